"""The regulated questions of the demo bank: fraud, complaints, privacy requests and arrears.

These are the contacts with rules of their own in PRODUCT.md (the emergency lane, complaint
deadlines and Kifid, GDPR access, duty of care in collections); in the demo they are cases
with the right queue, priority and tags. Templates as in ``demo/intents.py``.
"""

from __future__ import annotations

from klantenservice.demo.texts import Intent, both
from klantenservice.domain.vocabulary import Priority

FRAUD = Intent(
    "fraud",
    "fraud",
    6,
    both(
        ("Geld van mijn rekening verdwenen", "Fraude melden"),
        ("Money taken from my account", "Report fraud"),
    ),
    both(
        (
            "Er is zojuist {amount} van mijn rekening gehaald die ik niet herken! Iemand gebruikt "
            "mijn rekening. Graag direct blokkeren.",
            "Ik ben gebeld door iemand die zei dat hij van de bank was en nu is er {amount} weg "
            "van mijn rekening. Help!",
            "Ik kreeg een sms om mijn pas te vernieuwen, heb op de link geklikt en nu zie ik een "
            "overboeking van {amount} naar een onbekende rekening.",
        ),
        (
            "Someone took {amount} from my account, I did not make this payment! Please block my "
            "card now.",
            "I clicked a link in a text message about my bank account and now {amount} is gone.",
            "There's a transfer of {amount} I don't recognise. I think my account was hacked.",
        ),
    ),
    both(
        (
            "Ik heb uw pas en internetbankieren direct geblokkeerd. Klik nergens meer op en deel "
            "geen codes. Ik bel u zo om de transacties door te nemen.",
        ),
        (
            "I have blocked your card and online banking right away. Please don't click any links "
            "or share any codes. I'll call you shortly to go through the transactions.",
        ),
    ),
    both(
        ("Dank u, ik ben bereikbaar op dit nummer.", "Oké. Krijg ik mijn geld terug?"),
        ("Thanks, I'm available on this number.", "OK. Will I get my money back?"),
    ),
    both(
        (
            "We hebben de ontvangende bank gevraagd het geld terug te storten en de gegevens voor "
            "uw aangifte klaargezet. Uw nieuwe pas is binnen drie werkdagen bij u.",
        ),
        (
            "We've asked the receiving bank to return the money and prepared what you need to "
            "report it to the police. Your new card will arrive within three working days.",
        ),
    ),
    (
        "Fraudemelding: pas en internetbankieren geblokkeerd, terugvordering ingezet.",
        "Bankhelpdeskfraude (spoofing); gemeld bij de Fraudehelpdesk.",
        "Phishing via sms; toegang ingetrokken, nieuwe pas besteld.",
    ),
    skills=frozenset({"fraud"}),
    priority=Priority.URGENT,
    queue="emergency",
    tags=frozenset({"fraud"}),
    waits_internally=True,
)

COMPLAINT = Intent(
    "complaint",
    "complaint",
    4,
    both(("Klacht", "Formele klacht"), ("Complaint", "Formal complaint")),
    both(
        (
            "Dit is de derde keer dat ik hierover contact opneem en er gebeurt niets. Als dit niet "
            "wordt opgelost, stap ik naar het Kifid.",
            "Ik ben het zat. Al weken wacht ik op antwoord over {topic}. Ik wil een klacht "
            "indienen.",
            "Uw medewerker was onbeleefd aan de telefoon. Hier wil ik een formele klacht over "
            "indienen.",
        ),
        (
            "This is the third time I'm asking about this. If it isn't solved, I'll take it to "
            "Kifid.",
            "I want to file a formal complaint about how {topic_en} was handled.",
        ),
    ),
    both(
        (
            "Het spijt me dat u zo lang heeft moeten wachten. Ik heb uw klacht geregistreerd en "
            "doorgezet naar onze klachtenafdeling; u hoort binnen vijf werkdagen van ons.",
        ),
        (
            "I'm sorry you had to wait so long. I've registered your complaint and passed it to "
            "our complaints team; you'll hear from us within five working days.",
        ),
    ),
    both(("Ik wacht uw reactie af.",), ("I'll wait for your response.",)),
    both(
        (
            "Na onderzoek hebben wij uw klacht gegrond verklaard; als tegemoetkoming storten wij "
            "{amount} op uw rekening. Bent u het niet eens met deze uitkomst, dan kunt u uw klacht "
            "binnen drie maanden voorleggen aan het Klachteninstituut Financiële Dienstverlening "
            "(Kifid), www.kifid.nl.",
        ),
        (
            "After investigating, we have upheld your complaint and will pay {amount} into your "
            "account. If you disagree with this outcome, you can refer your complaint to the Dutch "
            "Financial Services Complaints Tribunal (Kifid), www.kifid.nl, within three months.",
        ),
    ),
    ("Klacht geregistreerd; oorzaak: eerdere contacten over {topic} niet opgevolgd.",),
    priority=Priority.HIGH,
    tags=frozenset({"complaint"}),
    waits_internally=True,
)

GDPR_ACCESS = Intent(
    "gdpr_access",
    "privacy",
    2,
    both(("Inzageverzoek AVG",), ("Subject access request",)),
    both(
        (
            "Ik wil graag inzage in alle persoonsgegevens die jullie van mij hebben, op grond van "
            "de AVG.",
            "Graag ontvang ik een overzicht van alle gegevens die u over mij verwerkt "
            "(inzageverzoek, artikel 15 AVG).",
        ),
        (
            "I want to see all data you hold on me, as is my right under the GDPR.",
            "Please send me a copy of all personal data you process about me (GDPR subject access "
            "request).",
        ),
    ),
    both(
        (
            "Wij hebben uw inzageverzoek ontvangen onder referentie {reference}. Binnen een maand "
            "ontvangt u het overzicht in uw beveiligde berichtenbox.",
        ),
        (
            "We have received your access request under reference {reference}. Within one month "
            "you will receive the overview in your secure inbox.",
        ),
    ),
    both(("Dank u.",), ("Thank you.",)),
    both(
        ("Het overzicht van al uw persoonsgegevens staat klaar in uw beveiligde berichtenbox.",),
        ("The overview of all your personal data is ready in your secure inbox.",),
    ),
    ("Inzageverzoek: identiteit gecontroleerd in de app, export aangevraagd bij privacyteam.",),
    tags=frozenset({"gdpr", "gdpr-access"}),
    waits_internally=True,
)

PAYMENT_ARRANGEMENT = Intent(
    "payment_arrangement",
    "collections",
    8,
    both(("Betalingsregeling", "Gemiste betaling"), ("Payment arrangement", "Missed payment")),
    both(
        (
            "Ik heb mijn aflossing van deze maand gemist omdat mijn salaris later kwam. Kan ik een "
            "betalingsregeling treffen?",
            "Ik kreeg een herinnering voor een gemiste betaling van {amount}. Ik zit even krap, "
            "kan ik in delen betalen?",
            "Mijn automatische incasso is gestorneerd. Hoe kan ik het openstaande bedrag alsnog "
            "betalen?",
        ),
        (
            "I missed this month's loan repayment because my salary was late. Can I set up a "
            "payment arrangement?",
            "I received a reminder for a missed payment of {amount}. Money is tight; can I pay in "
            "instalments?",
        ),
    ),
    both(
        (
            "Fijn dat u contact opneemt. Welk bedrag kunt u per maand missen? Dan maken we samen "
            "een regeling.",
        ),
        (
            "Thank you for getting in touch. How much could you pay per month? Then we'll set up "
            "an arrangement together.",
        ),
    ),
    both(("Ik kan {small} per maand betalen.",), ("I can pay {small} per month.",)),
    both(
        (
            "Ik heb een betalingsregeling vastgelegd van {small} per maand, vanaf volgende maand. "
            "Er komen geen extra kosten bij.",
        ),
        (
            "I've set up an arrangement of {small} per month, starting next month. No extra costs "
            "are charged.",
        ),
    ),
    (
        "Eerste gemiste betaling in twaalf maanden; vriendelijke regeling, geen kosten.",
        "Signalen van betalingsproblemen; klant gewezen op schuldhulpverlening van de gemeente.",
    ),
)
