"""The words the emergency rules are made of: vocabulary fragments and anchor-word families.

Used by ``domain/emergency_rules.py``. Fragments are regular-expression text over the normalised
message (``domain/emergency_detection.normalise``: ASCII, case-folded, apostrophes dropped, so
"didn't" -> "didnt", "m'n" -> "mn"). The families let a message skip every rule whose anchor
words it does not contain.
"""

from __future__ import annotations

import re
from functools import lru_cache, reduce
from operator import or_

# --- vocabulary ---------------------------------------------------------------------------------
# Fragments are plain regular-expression text over the normalised message (ASCII, lower case,
# no apostrophes). ``gap(n)``: up to n words between two parts, none of them a negation, so
# "mijn pas is niet gestolen" does not pair "pas" with "gestolen".

NEGATIONS = (
    r"no|not|geen|niet|never|nooit|nothing|niks|niets|without|zonder|almost|bijna|dont|doesnt"
    r"|didnt|isnt|wasnt|havent|hasnt|arent|nor"
)


def gap(words: int) -> str:
    return rf"(?:\W+(?!(?:{NEGATIONS})\b)\w+){{0,{words}}}\W+"


MY = r"(?:my|mijn|mn|me)"
ACCOUNT = (
    r"(?:account|accounts|rekening|rekeningen|spaarrekening|savings|bankrekening|app|bankapp"
    r"|banking app|online banking|internet banking|internetbankieren|mobiel bankieren|profile"
    r"|profiel)"
)
# "pas" alone is also the adverb "only just" ("pas gisteren"): as a card it follows a determiner.
CARD = (
    r"(?:(?:debit|bank|credit|cash|atm|pin)\s?cards?|cards?|creditcard\w*|creditkaart\w*"
    r"|(?:pin|bank|betaal)pass?(?:en)?|(?:(?<=mijn )|(?<=mn )|(?<=de )|(?<=een )|(?<=die )"
    r"|(?<=deze )|(?<=haar )|(?<=zijn )|(?<=hun )|(?<=al )|(?<=, )|(?<=^)|(?<=\n))pas(?:sen)?)"
    r"(?!\W+(?:payments?|transactions?|betaling\w*|reader|lezer|limit|limiet|fee|kosten|number"
    r"|nummer|details|gegevens|pin|pincode|code)\b)"
)
CONTAINER = r"(?:wallet|purse|handbag|bag|portemonn?ee|portefeuille|tas|handtas)"
LOSS = (
    r"(?:stolen|stole|stolne|stollen|nicked|snatched|pickpocketed|robbed|lost|missing|gone"
    r"|dropped|cant find|cannot find|kwijt|kwijtgeraakt|gestolen|gestolem|gejat|gerold|verloren"
    r"|zoek|weg|nergens (?:meer )?(?:te )?vinden|beroofd|ontvreemd|gepikt)"
)
# "gone", "weg", "missing", "zoek" only close to the card: "card, but the money is gone" is not
LOSS_FAR = (
    r"(?:stolen|stole|stolne|stollen|nicked|snatched|pickpocketed|robbed|lost|dropped|cant find"
    r"|cannot find|kwijt|kwijtgeraakt|gestolen|gestolem|gejat|gerold|verloren"
    r"|nergens (?:meer )?(?:te )?vinden|beroofd|ontvreemd|gepikt)"
)
NOT_ADJECTIVE = r"(?!\W+(?:cards?|pas|passen|pinpas\w*|bankpas\w*|creditcards?)\b)"
PRONOUN = r"(?:it|its|they|hij|ze)"
TXN = (
    r"(?:payments?|paid|transactions?|debits?|direct debits?|withdrawals?|withdrawn|charges?"
    r"|charged|purchases?|transfers?|afschrij\w*|afschrijf\w*|afgeschreven|betaling\w*"
    r"|transactie\w*|incasso\w*|opnames?|opgenomen|overboeking\w*|gepind|pinned|aankoop"
    r"|aankopen|money|cash|geld|funds)"
)
RECOGNISE = r"reco(?:g?ni|ngi)[sz]e"
DISOWN = (
    rf"(?:(?:didnt|did not|never|havent|have not|hadnt|had not) (?:\w+ )?(?:make|made|do|did|done"
    rf"|authori[sz]e\w*|order\w*|buy|bought|sign\w*|use|used|{RECOGNISE}|heard|approve\w*"
    r"|request\w*|add|added|initiat\w*|set up|setup|withdr[ae]w\w*|take out|took out)"
    rf"|(?:dont|do not|cant|cannot) {RECOGNISE}|not (?:mine|me|by me)"
    r"|(?:dont|do not) (?:think|remember|recall) (?:i |me )?(?:\w+ )?(?:made|making|did|doing"
    r"|authori[sz]\w*|order\w*|buy\w*|bought|set)"
    r"|(?:wasnt|was not|werent|were not|not) (?:done|made|initiated|authori[sz]ed|set up) by me"
    r"|(?:company|merchant|shop|seller|business|firm|bedrijf|winkel) (?:that )?(?:i|we)"
    r" (?:dont|do not) know"
    r"|(?:isnt|arent|wasnt|werent) (?:mine|me)|unknown|unauthori[sz]ed|not authori[sz]ed"
    r"|unrecogni[sz]ed|without (?:my )?(?:permission|consent|knowledge)|i was (?:at )?home"
    r"|(?:die|dat|wat|waar) ik (?:\w+ ){0,2}(?:niet|nooit) (?:\w+ ){0,2}(?:ken|herken|gedaan"
    r"|gemaakt|doe|deed|goedgekeurd|gekocht|besteld|kom|geweest)"
    r"|niet (?:van mij|door mij|de mijne)|(?:herken|ken) ik niet|(?:heb|had|was) ik niet"
    r"|ik niet (?:heb )?(?:gedaan|gemaakt)|onbekend\w*|zonder (?:mijn )?(?:toestemming|medeweten)"
    r"|nooit toestemming|terwijl ik thuis|ik (?:zit|zat|was) thuis)"
)
# before a payment only: "a strange payment", not "the payment went through, strange"
ODD = (
    r"(?:fraudulent|frauduleuze?|strange|unusual|suspicious|weird|odd|unfamiliar|unexpected"
    r"|vreemde?|verdachte?|onverwachte?)"
)
SOMEONE = (
    r"(?:someone|somebody|some one|iemand|a stranger|een vreemde|my ex|mijn ex|they|hackers?"
    r"|criminals?|criminelen|scammers?|oplichters?)"
)
DISCLOSE = (
    r"(?:gave|given|handed|shared|sent|told|read (?:it |them )?out|typed|entered|filled"
    r"|put in|forwarded|provided|installed|gegeven|doorgegeven|gedeeld|gestuurd|doorgestuurd"
    r"|scanned|gescand|opgestuurd|voorgelezen|ingetypt|getypt|ingetoetst|ingevuld|ingevoerd|meegegeven"
    r"|afgegeven|opgegeven|genoemd|verteld)"
)
GIVEN_AWAY = (
    r"(?:(?!post|zip|fout|error|promo|korting|discount)\w*codes?|pin|pincode\w*|pin code"
    r"|passwords?|wachtwoord\w*|passcode|credentials|login"
    r"|logins|log-in|inlog\w*|username|gebruikersnaam|card number|kaartnummer|creditcardnummer"
    r"|pasnummer|cvc|cvv|security code|beveiligingscode|one-time|otp|pasgegevens|bankgegevens"
    r"|(?:card|bank|login|account|pas|creditcard|personal|persoonlijke|my|mijn|mn) ?"
    r"(?:details|gegevens)|(?:my|mijn|mn) (?:card|pas|pinpas|bankpas|creditcard|debit card)"
    r"|photo of my card|foto van mijn pas)"
)
SCAM_CONTEXT = (
    r"\b(?:fake|nep\w*|vals\w*|phish\w*|link|links|clicked|geklikt|someone|somebody|iemand"
    r"|caller|called|belde|gebeld|phone|telefoon\w*|guy|man|vrouw|woman|person|persoon|whatsapp"
    r"|website|site|page|pagina|courier|koerier|scam\w*|oplicht\w*|said he|said she|zei dat"
    r"|voordeed|namens|pretend\w*|anydesk|teamviewer|helpdesk|qr)\b"
)
ATO_DISOWN = rf"(?:{DISOWN}|(?:it|that) (?:wasnt|was not) me|not me|dat was ik niet|{SOMEONE})"


# --- anchor words: which rules can possibly fire -----------------------------------------------
# Each rule names the families of words its pattern cannot match without (one word suffices).
# A message is split into words once; each distinct word's families are looked up once and
# cached, so a message without, say, a card word never runs the card rules. This changes cost,
# never results (tests/domain/test_emergency_detection.py compares with every rule running).

_FAMILIES: dict[str, str] = {
    "disclose": r"gave|given|handed|shared|sent|told|read|typed|entered|filled|put|forwarded"
    r"|provided|installed|scanned|gescand|gegeven|doorgegeven|gedeeld|gestuurd|doorgestuurd"
    r"|opgestuurd|voorgelezen|ingetypt|getypt|ingetoetst|ingevuld|ingevoerd|meegegeven|afgegeven"
    r"|opgegeven|genoemd|verteld",
    "fell": r"phished|gephisht|gefisht|gephished|fell|fallen|getrapt|trapt|trapte",
    "qr": r"qr\w*",
    "remote": r"anydesk|teamviewer|quick|quicksupport|meekeek|meekijken",
    "hack": r"hacked|gehackt|gehakt|compromised|gecompromitteerd|overgenomen|taken|hijacked"
    r"|gekaapt",
    "someone": r"someone|somebody|some|iemand|stranger|vreemde|ex|they|ze|hackers?|criminals?"
    r"|criminelen|scammers?|oplichters?",
    "login": r"login|inlog|sign|aanmelding",
    "device": r"(?:device|apparaat|toestel|phone|telefoon)\w*",
    "change": r"changed|veranderd|gewijzigd|aangepast|raised|increased|verhoogd|added|toegevoegd",
    "card": r"\w*cards?|creditcard\w*|creditkaart\w*|\w*pass?(?:en)?",
    "txn": TXN,
    "exposed": r"compromised|exposed|skimmed|geskimd|cloned|gekloond|gekopieerd|leaked|gelekt"
    r"|fraudulent",
    "fraud": r"fraud|fraude",
    "scammed": r"scammed|conned|defrauded|tricked|opgelicht|bestolen|beroofd|victim|slachtoffer",
    "impostor": r"safe|veilige|kluisrekening|pretending|him|her|them|hem|haar|zich",
    "paid": r"transferred|sent|paid|overgemaakt|betaald|overgeboekt",
    "gone": r"missing|gone|disappeared|taken|stolen|weg|verdwenen|gehaald|gestolen|af"
    r"|leeggehaald|geplunderd",
    "what": r"what|who|wat",
    "drained": r"drained|emptied|cleaned|cleared|leeggehaald|leeg|leeggeroofd|geplunderd"
    r"|plundered|empty",
    "permission": r"permission|consent|knowledge|toestemming|medeweten|unauthori[sz]ed",
    # the second parts of composite rules
    "secret": r"\w*codes?|pin|pincode\w*|passwords?|wachtwoord\w*|passcode|credentials|logins?|log"
    r"|inlog\w*|username|gebruikersnaam|\w*nummer|number|cvc|cvv|one|otp|\w*gegevens|details"
    r"|\w*cards?|\w*pas|creditcard\w*|photo|foto",
    "loss": r"stolen|stole|stolne|stollen|nicked|snatched|pickpocketed|robbed|lost|missing|gone"
    r"|dropped|cant|cannot|kwijt\w*|gestolen|gestolem|gejat\w*|gerold|verloren|zoek|weg|nergens"
    r"|beroofd|ontvreemd|gepikt|zakkenroller\w*|mugged|overvallen|mine",
    "disown": r"not|didnt|never|havent|hadnt|dont|cant|cannot|isnt|arent|wasnt|werent|unknown"
    r"|unauthori[sz]ed|unrecogni[sz]ed|without|home|niet|nooit|onbekend\w*|zonder|thuis"
    r"|fraudulent|frauduleuze?|strange|unusual|suspicious|weird|odd|unfamiliar|unexpected"
    r"|vreemde?|verdachte?|onverwachte?",
    "took": r"took|taken|taking|stole|stolen|stealing|withdrew|withdrawn|removed|using|used|uses"
    r"|gebruikt|gepind|gehaald|opgenomen|draining|drained|made|did|gedaan|afgeschreven",
}
_FAMILY_BITS = {name: 1 << position for position, name in enumerate(_FAMILIES)}
_FAMILY_WORDS = tuple(
    (re.compile(rf"(?:{words})"), _FAMILY_BITS[name]) for name, words in _FAMILIES.items()
)
_WORD = re.compile(r"[a-z0-9]+")


def gate(families: str) -> tuple[int, ...]:
    """ "card loss": a card word and a loss word; "a|b": a word of either family."""
    return tuple(sum(_FAMILY_BITS[name] for name in group.split("|")) for group in families.split())


@lru_cache(maxsize=65536)
def _word_families(word: str) -> int:
    return sum(bit for words, bit in _FAMILY_WORDS if words.fullmatch(word))


def families_in(normalised: str) -> int:
    """The anchor families present in a normalised message, as a bit mask for ``Rule.gate``."""
    return reduce(or_, map(_word_families, set(_WORD.findall(normalised))), 0)


ALL_FAMILIES = sum(_FAMILY_BITS.values())
