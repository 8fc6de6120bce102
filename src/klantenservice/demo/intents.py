"""What customers ask the demo bank about every day, in Dutch and English templates.

Each intent has several openings per language, the agent's question or acknowledgement, the
customer's follow-up, a resolving answer and internal notes (written in Dutch, the team's
language). Templates are ``str.format`` strings over ``texts.fill_values`` plus ``{agent}``
and ``{reference}``, which the runner adds when the message is written. The regulated flows
(fraud, complaints, privacy, arrears) are in ``demo/regulated.py``.

Bodies never contain full card numbers, IBANs or BSNs: demo data is shown and exported freely.
"""

from __future__ import annotations

from klantenservice.demo.regulated import COMPLAINT, FRAUD, GDPR_ACCESS, PAYMENT_ARRANGEMENT
from klantenservice.demo.texts import Intent, both

BLOCKED_CARD = Intent(
    "blocked_card",
    "cards",
    14,
    both(("Pas geblokkeerd", "Betaalpas werkt niet"), ("Card blocked", "Card declined")),
    both(
        (
            "Mijn betaalpas is geblokkeerd na drie keer een verkeerde pincode bij {merchant}. Hoe "
            "krijg ik hem weer werkend?",
            "Hallo, mijn pas eindigend op {last4} werkt ineens niet meer. Bij het afrekenen kreeg "
            "ik de melding 'kaart geweigerd'. Wat is er aan de hand?",
            "Ik heb mijn pincode drie keer verkeerd ingetoetst en nu is de pas geblokkeerd. Ik "
            "moet morgen boodschappen doen, kunnen jullie helpen?",
        ),
        (
            "My debit card ending in {last4} was declined at {merchant} and the app says it is "
            "blocked. Can you unblock it?",
            "I entered the wrong PIN three times and now my card is blocked. What do I do?",
            "Hi, my card stopped working this morning. Is it blocked, and why?",
        ),
    ),
    both(
        (
            "Vervelend dat uw pas niet werkt. Heeft u de pas nog in uw bezit, of bent u hem "
            "mogelijk kwijt?",
        ),
        ("Sorry to hear that. Do you still have the card, or could it be lost or stolen?",),
    ),
    both(
        (
            "Ja, ik heb hem gewoon nog. Ik was de pincode vergeten.",
            "Ik heb de pas nog, hij zit in mijn portemonnee.",
        ),
        ("Yes, I still have it, I just forgot the PIN.", "I have it right here."),
    ),
    both(
        (
            "Ik heb de blokkade opgeheven. U kunt uw pincode opnieuw instellen in de app onder "
            "'Pas en pincode'. Lukt het daarna niet, laat het ons dan weten.",
            "De pas is weer vrijgegeven. Let op: doe de eerste betaling met pincode, daarna werkt "
            "contactloos betalen weer.",
        ),
        (
            "I've lifted the block. You can reset your PIN in the app under 'Card and PIN'. If it "
            "still fails, let us know.",
            "Your card is active again. Please make the first payment with your PIN; contactless "
            "works again after that.",
        ),
    ),
    (
        "PIN-blokkade opgeheven na verificatie in de app.",
        "Klant geverifieerd met controlevragen, pas gedeblokkeerd.",
    ),
    skills=frozenset({"cards"}),
)

DOUBLE_CHARGE = Intent(
    "double_charge",
    "payments",
    10,
    both(
        ("Dubbele afschrijving", "Kosten twee keer afgeschreven"),
        ("Charged twice", "Duplicate fee"),
    ),
    both(
        (
            "Ik zie dat de kosten voor mijn betaalpakket ({amount}) deze maand twee keer zijn "
            "afgeschreven. Kunnen jullie dit terugstorten?",
            "Mijn betaling van {amount} bij {merchant} is op {date} dubbel afgeschreven. Ik heb "
            "maar één keer betaald.",
            "Waarom betaal ik twee keer rekeningkosten? Op {date} staan er twee afschrijvingen van "
            "{amount}.",
        ),
        (
            "I was charged the account fee of {amount} twice this month. Please refund the "
            "duplicate.",
            "My payment of {amount} to {merchant} on {date} went through twice. I only paid once.",
        ),
    ),
    both(
        (
            "Dank voor uw bericht. Ik zie de twee afschrijvingen van {amount} en heb dit doorgezet "
            "naar betalingsverkeer; u hoort binnen twee werkdagen van ons.",
        ),
        (
            "Thank you. I can see both debits of {amount}. I've passed this on to our payments "
            "team; you'll hear from us within two working days.",
        ),
    ),
    both(
        (
            "Is er al nieuws over de dubbele afschrijving?",
            "Ik heb nog steeds geen geld terug gezien.",
        ),
        ("Any news on the double charge?", "I still haven't seen the refund."),
    ),
    both(
        (
            "De dubbele afschrijving van {amount} is teruggeboekt; het bedrag staat binnen één "
            "werkdag op uw rekening. Excuses voor het ongemak.",
        ),
        (
            "The duplicate charge of {amount} has been refunded; it will be on your account within "
            "one working day. Apologies for the inconvenience.",
        ),
    ),
    (
        "Dubbele afschrijving bevestigd door betalingsverkeer, correctie geboekt.",
        "Storing in de incassobatch van {date}; meer klanten geraakt.",
    ),
    skills=frozenset({"payments"}),
    waits_internally=True,
)

LOGIN = Intent(
    "login",
    "access",
    14,
    both(("Inloggen lukt niet", "App activeren"), ("Cannot log in", "App activation")),
    both(
        (
            "Ik kan niet meer inloggen in de app, ik krijg steeds de melding 'er ging iets mis'.",
            "Mijn nieuwe telefoon koppelen aan de app lukt niet, ik krijg geen activatiecode.",
            "Na de update van de app wordt mijn vijfcijferige code niet meer geaccepteerd.",
        ),
        (
            "I can't log in to the app, it keeps saying 'something went wrong'.",
            "I got a new phone and can't activate the app; the activation code never arrives.",
        ),
    ),
    both(
        ("Welke versie van de app gebruikt u, en op welk toestel? Dan kijk ik met u mee.",),
        (
            "Which version of the app are you using, and on which phone? Then I can look into it "
            "with you.",
        ),
    ),
    both(
        ("Versie {version} op een iPhone.", "Ik heb een Samsung, de app is net bijgewerkt."),
        ("Version {version} on an iPhone.", "An Android phone, the app was just updated."),
    ),
    both(
        (
            "Ik heb uw oude toestel afgemeld en een nieuwe activatiebrief verstuurd; die is binnen "
            "twee werkdagen bij u.",
            "Het probleem zat in een verlopen koppeling. Verwijder de app, installeer hem opnieuw "
            "en log in; dan werkt het weer.",
        ),
        (
            "I've unlinked your old phone and sent a new activation letter; it will arrive within "
            "two working days.",
            "The problem was an expired link. Please delete the app, reinstall it and log in "
            "again; it will work then.",
        ),
    ),
    (
        "Toestel ontkoppeld, activatiebrief verstuurd.",
        "Bekende storing inlogdienst tussen 07:00 en 09:30; klant geïnformeerd.",
    ),
)

MORTGAGE = Intent(
    "mortgage",
    "mortgage",
    8,
    both(("Vraag over mijn hypotheek", "Extra aflossen"), ("Mortgage question", "Overpayment")),
    both(
        (
            "Wij willen extra aflossen op onze hypotheek. Hoeveel mag dat boetevrij per jaar?",
            "Mijn rentevaste periode loopt over {months} maanden af. Wanneer krijg ik een "
            "renteaanbod?",
            "Kan ik mijn hypotheek meenemen naar een nieuw huis?",
        ),
        (
            "We'd like to make an extra repayment on our mortgage. How much can we repay "
            "penalty-free each year?",
            "My fixed-rate period ends in {months} months. When will I receive a rate offer?",
        ),
    ),
    both(
        ("Goede vraag. Om welk leningdeel gaat het? Dan kijk ik de voorwaarden voor u na.",),
        ("Good question. Which loan part is it about? Then I'll check the conditions.",),
    ),
    both(
        ("Het gaat om het annuïtaire deel.", "Leningdeel 2, het aflossingsvrije deel."),
        ("The annuity part.", "Loan part 2, the interest-only part."),
    ),
    both(
        (
            "U mag per kalenderjaar 10% van de oorspronkelijke hoofdsom boetevrij aflossen. Dat "
            "kan in de app onder 'Hypotheek > Extra aflossen'.",
            "U ontvangt het renteaanbod vier maanden voor het einde van de rentevaste periode. U "
            "kunt nu al een adviesgesprek plannen.",
        ),
        (
            "You can repay 10% of the original principal per calendar year without a penalty, in "
            "the app under 'Mortgage > Extra repayment'.",
            "You'll receive the rate offer four months before the fixed-rate period ends; you can "
            "already book an advice meeting.",
        ),
    ),
    ("Klant wil adviesgesprek; doorgezet naar hypotheekadvies.",),
    skills=frozenset({"mortgage"}),
)

INVESTMENT = Intent(
    "investment_order",
    "investments",
    7,
    both(("Order afgewezen", "Foutmelding bij beleggen"), ("Order rejected", "Trading error")),
    both(
        (
            "Mijn order voor {shares} aandelen {stock} is afgewezen zonder uitleg. Wat gaat er "
            "mis?",
            "Ik krijg een foutmelding bij het plaatsen van een order: 'order kan niet worden "
            "uitgevoerd'.",
            "Mijn limietorder op {stock} staat al twee dagen open en wordt niet uitgevoerd.",
        ),
        (
            "My order for {shares} {stock} shares was rejected without any explanation.",
            "I get an error when placing an order: 'order cannot be executed'.",
        ),
    ),
    both(
        ("Ik kijk met u mee. Ziet u in de app bij 'Orders' een foutcode staan?",),
        ("Let me look into it. Do you see an error code under 'Orders' in the app?",),
    ),
    both(("Er staat foutcode E-{code}.",), ("It says error code E-{code}.",)),
    both(
        (
            "De order is geweigerd omdat er onvoldoende saldo op uw beleggingsrekening stond. Na "
            "uw storting kunt u hem opnieuw plaatsen.",
            "Uw limiet lag onder de huidige koers, daarom wordt de order nog niet uitgevoerd. Met "
            "een bestensorder koopt u tegen de marktprijs.",
        ),
        (
            "The order was rejected because the balance on your investment account was too low. "
            "After your deposit you can place it again.",
            "Your limit is below the current price, so the order has not been executed yet. A "
            "market order buys at the current price.",
        ),
    ),
    ("Orderafwijzing door saldocontrole; geen storing.",),
    skills=frozenset({"investments"}),
    queue="beleggen",
)

ADDRESS_CHANGE = Intent(
    "address_change",
    "customer-data",
    10,
    both(("Adreswijziging", "Verhuizing doorgeven"), ("Change of address", "I have moved")),
    both(
        (
            "Ik ben verhuisd en wil mijn adres wijzigen. Het nieuwe adres is {street} in {city}.",
            "Per {date} woon ik op een nieuw adres. Waar kan ik dat doorgeven?",
        ),
        (
            "I've moved house; my new address is {street}, {city}. Please update your records.",
            "From {date} I live at a new address. How do I let you know?",
        ),
    ),
    both(
        (
            "Dat kan in de app onder 'Profiel'. Lukt dat niet, laat het me weten, dan help ik u "
            "verder.",
        ),
        (
            "You can change it in the app under 'Profile'. If that doesn't work, let me know and "
            "I'll help you.",
        ),
    ),
    both(("Dat lukt niet, de knop is grijs.",), ("That doesn't work, the button is greyed out.",)),
    both(
        ("Ik heb uw nieuwe adres {street}, {city} verwerkt. U ontvangt een bevestiging per post.",),
        ("I've updated your address to {street}, {city}. You'll receive a confirmation by post.",),
    ),
    ("Adres gewijzigd na identificatie met controlevragen.",),
)

SAVINGS = Intent(
    "savings",
    "savings",
    7,
    both(("Vraag over sparen", "Spaarrente"), ("Savings question", "Interest rate")),
    both(
        (
            "Wat is de huidige rente op de spaarrekening en wanneer wordt die uitgekeerd?",
            "Kan ik geld van mijn spaarrekening direct naar een andere bank overboeken?",
        ),
        (
            "What is the current interest rate on the savings account?",
            "Can I transfer money from my savings account straight to another bank?",
        ),
    ),
    both(("Om welke spaarrekening gaat het?",), ("Which savings account is it about?",)),
    both(("De internetspaarrekening.",), ("The online savings account.",)),
    both(
        (
            "De rente op de internetspaarrekening is nu {rate}% per jaar en wordt elk kwartaal "
            "bijgeschreven. Overboeken kan alleen via uw betaalrekening.",
        ),
        (
            "The rate on the online savings account is {rate}% a year, paid quarterly. Transfers "
            "go through your current account.",
        ),
    ),
    ("Informatievraag spaarrente; geen actie nodig.",),
    skills=frozenset({"savings"}),
)

INTENTS: tuple[Intent, ...] = (
    BLOCKED_CARD,
    DOUBLE_CHARGE,
    FRAUD,
    LOGIN,
    MORTGAGE,
    INVESTMENT,
    COMPLAINT,
    GDPR_ACCESS,
    PAYMENT_ARRANGEMENT,
    ADDRESS_CHANGE,
    SAVINGS,
)
