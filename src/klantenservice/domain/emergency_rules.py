"""The rules that recognise emergencies, in priority order, and the vetoes on a hit.

Used by ``domain/emergency_detection.py`` (which explains how a message is read); the words
they are made of are in ``domain/emergency_words.py``. Everything is compiled once at import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from klantenservice.domain.emergency_words import (
    ACCOUNT,
    ATO_DISOWN,
    CARD,
    CONTAINER,
    DISCLOSE,
    DISOWN,
    GIVEN_AWAY,
    LOSS,
    LOSS_FAR,
    MY,
    NEGATIONS,
    NOT_ADJECTIVE,
    ODD,
    PRONOUN,
    SCAM_CONTEXT,
    SOMEONE,
    TXN,
    gap,
    gate,
)

# --- the rules ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """One way of recognising an emergency; ``kind`` is an ``EmergencyKind`` value."""

    kind: str
    gate: tuple[int, ...]  # runs only when each of these has a family present in the message
    pattern: re.Pattern[str]
    needs: re.Pattern[str] | None = None  # must also occur somewhere in the message
    unless: re.Pattern[str] | None = None  # must not occur anywhere in the message
    own_card: bool = False  # drop the hit when the card is someone else's ("her card")


def _rule(
    kind: str,
    families: str,
    pattern: str,
    *,
    needs: str | None = None,
    unless: str | None = None,
    own_card: bool = False,
) -> Rule:
    return Rule(
        kind,
        gate(families),
        re.compile(pattern),
        re.compile(needs) if needs is not None else None,
        re.compile(unless) if unless is not None else None,
        own_card,
    )


_P, _A, _L, _F = "phishing", "account_takeover", "lost_or_stolen_card", "fraud"
_HAS_CARD = rf"\b{CARD}\b"
_SWALLOWED = r"\b(?:swallowed|ingeslikt|ingehouden|(?:kept|ate|took) (?:my|the) card)\b"
# a failed top-up or payment whose money "disappeared" is an operation that went wrong
_FAILED_OPERATION = r"\b(?:top.?up|topp?ing|topped|tried|trying|glitch|error|probeerde|opwaarde\w*)"
RULES: tuple[Rule, ...] = (
    # phishing: the customer gave a secret away, or says they fell for it
    _rule(
        _P,
        "disclose secret",
        rf"\b(?:{DISCLOSE}{gap(6)}{GIVEN_AWAY}|{GIVEN_AWAY}{gap(5)}{DISCLOSE})\b",
        needs=SCAM_CONTEXT,
    ),
    _rule(
        _P,
        "fell",
        r"\b(?:(?:been|got|was|ben|werd|ive|im) (?:\w+ )?(?:phished|gephisht|gefisht|gephished)"
        r"|phished|gephisht|gefisht|fell for|fallen for|getrapt|trapte? (?:ik )?in)\b",
    ),
    _rule(
        _P,
        "qr",
        r"\bqr\W*codes?(?:\W+\w+){0,3}?\W+(?:uit|in|from|van|via)\W+(?:(?:een|a|an|the|de|het)\W+)?"
        r"(?:e-?mail|mail|sms|text|brief|letter|whatsapp)\b",
        needs=r"\b(?:scanned|gescand)\b",
    ),
    _rule(
        _P,
        "remote",
        r"\b(?:anydesk|teamviewer|quick ?support|meekeek|meekijken)\b",
        needs=r"\b(?:installed|geinstalleerd|logged|ingelogd|meekeek|watched)\b",
    ),
    # account take-over: someone else is in, or changed how the customer gets in
    _rule(
        _A,
        "hack",
        rf"\b{ACCOUNT}{gap(3)}(?:hacked|gehackt|gehakt|compromised|gecompromitteerd"
        r"|overgenomen|taken over|hijacked|gekaapt)\b",
    ),
    _rule(
        _A,
        "hack",
        r"\b(?:i|ive|ik)(?:\W+\w+){0,2}?\W+(?:hacked|gehackt|gehakt)\b|\b(?:hacked|gehackt"
        r"|gehakt)\s*!|^\W*(?:hacked|gehackt|gehakt)\b(?!\s*\?)",
    ),
    _rule(
        _A,
        "someone",
        rf"(?<!give )(?<!geef )(?<!grant )\b{SOMEONE}(?:\W+\w+){{0,3}}?\W+(?:else\W+|"
        r"anders\W+)?(?:logged|logging|log|logs|accessed|access|got into|gotten into|is in"
        r"|zit in|ingelogd|inloggen|toegang|gekomen|geweest|changed|veranderd|gewijzigd"
        r"|added|toegevoegd)\b",
    ),
    _rule(
        _A,
        "login",
        r"\b(?:login|inlog|sign-in|aanmelding)\W+(?:from|vanuit|uit)\W+"
        r"(?!my\b|mijn\b|mn\b|home\b|thuis\b|a new\b|een nieuwe?\b)\w+",
        needs=rf"\b(?:notification|melding|alert|message|bericht|e-?mail|sms|strange|vreemde?"
        rf"|suspicious|verdachte?|i am in|im in|ik ben in|ik zit in)\b|{ATO_DISOWN}",
    ),
    _rule(
        _A,
        "device",
        r"\b(?:(?:new|nieuwe?|unknown|onbekende?|another|andere?|strange|vreemde?)\W+(?:\w+\W+)?"
        r"(?:device|apparaat|toestel|phone|telefoon)\w*(?:\W+\w+){0,6}?\W+(?:added|add|registered"
        r"|register|toegevoegd|gekoppeld|geregistreerd|activated|activate|geactiveerd|linked)"
        r"|(?:activated|geactiveerd|ingelogd|logged in) (?:on|op) (?:another|een andere?)"
        r" (?:phone|device|telefoon|toestel))\b",
        needs=ATO_DISOWN,
    ),
    _rule(
        _A,
        "change",
        r"\b(?:(?:password|wachtwoord|pin|pincode|e-?mail\w*|mailadres|phone number"
        r"|telefoonnummer|address|adres|details|gegevens|limit|limiet|daglimiet|payee"
        r"|begunstigde)(?:\W+\w+){0,5}?\W+(?:changed|veranderd|gewijzigd|aangepast|raised"
        r"|increased|verhoogd|added|toegevoegd)|(?:changed|veranderd|gewijzigd|raised|verhoogd"
        r"|added|toegevoegd)\W+(?:\w+\W+){0,2}(?:password|wachtwoord|pin|pincode|email|e-mail"
        r"|phone number|address|details|gegevens|limit|payee))\b",
        needs=ATO_DISOWN,
    ),
    # lost or stolen card (or the wallet or bag it was in)
    _rule(
        _L,
        "card loss",
        rf"\b{CARD}(?:{gap(5)}{LOSS_FAR}|{gap(2)}{LOSS})\b{NOT_ADJECTIVE}",
        unless=_SWALLOWED,
        own_card=True,
    ),
    _rule(
        _L,
        "card loss",
        rf"\b{LOSS}\W+(?:\w+\W+){{0,2}}{MY}\W+(?:\w+\W+)?{CARD}\b",
        unless=_SWALLOWED,
        own_card=True,
    ),
    _rule(
        _L,
        "card loss",
        r"\b(?:report\w*|melden|meld|freeze|block|blokkeren|blokkeer|cancel|replace\w*"
        r"|vervang\w*)\W+(?:(?:a|an|the|my|mijn|mn|een|de|for|voor)\W+){0,2}"
        rf"(?:stolen|lost|missing|gestolen|verloren|kwijtgeraakte)\W+{CARD}\b",
    ),
    _rule(
        _L,
        "card loss",
        rf"\b{MY}\W+(?:\w+\W+)?(?:stolen|lost|gestolen|verloren|kwijtgeraakte|gejatte)"
        rf"\W+{CARD}\b|^\W*(?:lost|stolen|gestolen|verloren)\W+{CARD}\W*(?:$|[,!]"
        r"|(?:please|pls|plz|help|block|blokkeer|blokkeren|graag|aub)\b)",
    ),
    _rule(
        _L,
        "card loss",
        rf"\b(?:{CONTAINER}{gap(4)}{LOSS}|{LOSS}\W+(?:\w+\W+){{0,2}}{MY}\W+{CONTAINER}"
        rf"|{PRONOUN}{gap(3)}(?:stolen|gestolen|lost|kwijt|verloren|weg|gone|missing|zoek)"
        r"|(?:is|zijn) (?:hij|ze) (?:\w+ )?(?:weg|gestolen|kwijt|verloren)"
        r"|(?:lost|stole|verloren) mine|pickpocketed|zakkenroller\w*|mugged|overvallen)\b",
        needs=_HAS_CARD,
    ),
    # fraud: money taken, payments the customer disowns, scams that made them pay
    _rule(_F, "txn disown", rf"\b(?:{TXN}{gap(8)}{DISOWN}|(?:{DISOWN}|{ODD}){gap(4)}{TXN})\b"),
    _rule(
        _F,
        "txn what",
        rf"\b(?:what|who|wat) (?:is|was|are|were) (?:this|these|that|deze|dit|die)\W+(?:\w+\W+)?"
        rf"{TXN}\b",
    ),
    _rule(
        _F,
        "exposed",
        r"\b(?:card|pas|creditcard|account|rekening)\w*(?:\W+(?:data|details|gegevens|number"
        r"|nummer|info\w*))?(?:\W+\w+){0,3}?\W+(?:compromised|exposed|skimmed|geskimd|cloned"
        r"|gekloond|gekopieerd|leaked|gelekt)\b|\bfraudulent (?:activity|use|access)\b",
    ),
    _rule(_F, "fraud", r"\b(?:fraud|fraude)\s+(?:on|op|with|met|in)\s+(?:my|mijn|mn)\b"),
    _rule(
        _F,
        "scammed",
        r"\b(?:i|ive|im|ik|me|we)\b(?:\W+\w+){0,3}?\W+(?:scammed|conned|defrauded|tricked"
        r"|opgelicht|bestolen|beroofd|victim|slachtoffer)\b",
    ),
    _rule(
        _F,
        "impostor",
        r"\b(?:safe account|veilige rekening|kluisrekening|pretending to be my"
        r"|(?:it|that) (?:wasnt|was not) (?:him|her|them)|het was (?:hem|haar) niet)\b"
        r"|\bzich\W+(?:\w+\W+){0,4}voor\W+als\W+(?:mijn|mn)\b",
    ),
    _rule(
        _F,
        "paid",
        r"\b(?:transferred|sent|paid|overgemaakt|betaald|overgeboekt)\W+(?:\w+\W+){0,5}"
        r"(?:to|naar|aan)\W+(?:someone|somebody|iemand|a man|een man|a guy)\W+(?:\w+\W+){0,2}"
        r"(?:who|die)\W+(?:said|claimed|zei|beweerde|pretend\w*|zich)\b",
    ),
    _rule(
        _F,
        "gone",
        r"\bmissing\W+(?:\w+\W+)?(?:cash|money|funds|geld)\W+(?:from|van|uit)\b"
        r"|\b(?:money|geld|saldo|savings|spaargeld|balance|\d+ (?:euro|eur|euros))"
        r"(?:\W+\w+){0,4}?\W+(?:gone|missing|disappeared|weg|verdwenen|gestolen|stolen)\b"
        r"|\b(?:gone|missing|disappeared|taken|stolen|weg|verdwenen)\W+(?:from|out of|van|uit)"
        rf"\W+{MY}\W+(?:\w+\W+)?{ACCOUNT}\b"
        rf"|\bvan\W+{MY}\W+(?:\w+\W+)?rekening\W+(?:gehaald|gestolen|weg|af|verdwenen"
        r"|leeggehaald|geplunderd)\b(?!\W+(?:laten|te|schrijven)\b)",
        unless=_FAILED_OPERATION,
    ),
    _rule(
        _F,
        "someone took",
        rf"(?<!block )(?<!stop )(?<!prevent )\b{SOMEONE}(?:\W+\w+){{0,4}}?\W+(?:took|taken"
        r"|taking|stole|stolen|stealing|withdrew|withdrawn|removed|using|used|uses|gebruikt"
        r"|gepind|gehaald|opgenomen|draining|drained|made|did|gedaan)\W+(?:\w+\W+){0,2}"
        rf"(?:money|cash|funds|geld|\d+|euro|{CARD}|{ACCOUNT}|{TXN}|met)\b"
        rf"|\b(?:iemand|ze|oplichters?|criminelen)\W+(?:\w+\W+){{0,3}}?(?:{CARD}|{ACCOUNT}|geld"
        r"|\d+)\W+(?:\w+\W+){0,3}?(?:gebruikt|gepind|gehaald|opgenomen|gestolen|afgeschreven)\b",
    ),
    _rule(
        _F,
        "drained",
        r"\b(?:drained|emptied|cleaned out|cleared out|leeggehaald|leeg gehaald"
        r"|leeggeroofd|geplunderd|plundered)\b",
    ),
    _rule(
        _F,
        "drained",
        rf"\b{ACCOUNT}\W+(?:is|was|staat)\W+(?:\w+\W+)?(?:empty|leeg)\b",
        needs=DISOWN,
    ),
    _rule(
        _F,
        "permission",
        r"\b(?:without (?:my )?(?:permission|consent|knowledge)|zonder (?:mijn )?"
        r"(?:toestemming|medeweten)|unauthori[sz]ed)\b",
    ),
)

# --- standing down ------------------------------------------------------------------------------

RESOLVED = re.compile(
    r"\b(?:found (?:it|them|my \w+(?: \w+)?) (?:again|back)|found it|teruggevonden"
    r"|(?:terug|weer) gevonden|(?:gave|given|handed) (?:it|them|my \w+(?: \w+)?) back"
    r"|teruggegeven|teruggekregen|got (?:it|them|my \w+(?: \w+)?) back"
    r"|all (?:solved|fine|good|sorted|ok|okay|resolved)|everything (?:is )?(?:fine|ok|okay"
    r"|working|solved|sorted)|(?:alles|allemaal) (?:is )?(?:opgelost|in orde|goed|geregeld|ok)"
    r"|(?:alles|everything) werkt weer|(?:is|are|zijn) (?:now )?(?:solved|resolved|opgelost)"
    r"|ignore my (?:previous|last|earlier) message|vergeet mijn (?:vorige|laatste) bericht"
    r"|(?:thought|dacht|suspected|vermoedde)\b.{0,80}\b(?:but|maar)"
    r"|(?:it|that) was (?:me|my (?:son|daughter|husband|wife|partner|kid|child|gym|own)\w*)"
    r"|(?:het|dat) was (?:mijn (?:zoon|dochter|man|vrouw|partner|kind|sportschool|eigen)\w*)"
    r"|(?:was|deed) ik (?:het )?zelf|ik (?:het )?zelf (?:was|deed)"
    r"|(?:card|pas|kaart)\w* (?:was|lag|ligt|is|zat) (?:\w+ )?(?:at home|thuis)"
    r"|nothing to block|(?:niks|niets) te blokkeren"
    r"|(?:found|vond|gevonden) (?:my|mijn|mn) (?:\w+ )?(?:card|pas|wallet|portemonnee|purse)"
    r"|thought i (?:had )?lost|dacht dat ik (?:\w+ )?(?:kwijt|verloren)"
    r"|(?:was|lag|zat) (?:in|under|onder) (?:my|mijn|mn) (?:\w+ )?(?:pocket|jacket|coat|bag|car|jas"
    r"|zak|broekzak|tas|auto)"
    r"|(?:new|nieuwe)(?: card| pas| one)?\b.{0,40}\b(?:arrived|sent|received|activate|binnen"
    r"|stuurde|gestuurd|ontvangen|activeer))\b"
)
CLAUSE_END = re.compile(r"[.!?;:]+(?=\s|$)|\n")
NEGATED_BEFORE = re.compile(rf"\b(?:{NEGATIONS})\W+(?!idea\b|idee\b|clue\b)(?:\w+\W+)?$")
HYPOTHETICAL_OR_PAST = re.compile(
    r"\bif\b(?!\W+(?:\w+\W+){0,3}(?:has been|have been|had been|was|were|think|believe|suspect"
    r"|feel|lost|had|did|got)\b)"
    r"|\b(?:ever|whether|what if|in case|ooit|mocht|stel dat|wat als|voor het geval"
    r"|next year|volgend jaar|hypothetical\w*|hypothetisch|last year|vorig jaar|years? ago"
    r"|jaar geleden|months ago|maanden geleden)\b"
)
OTHERS_BEFORE = re.compile(r"\b(?:her|his|their|haar|zijn|hun)\W+(?:\w+\W+)?$")
