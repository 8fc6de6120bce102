"""Recognising an emergency in a customer's own words (nl and en), on every inbound message.

Issue 5, item 1: fraud, phishing, account take-over and a lost or stolen card must reach the
emergency lane whatever channel the customer used. This runs on the intake hot path, so it is
hand-written rules (``domain/emergency_rules.py``) over a normalised text, compiled once: tens
of microseconds per message (``bench/emergency_detection.py``), no model, no I/O.

How a message is read:

1. **Normalised**: case-folded, apostrophes dropped ("didn't" -> "didnt", "m'n" -> "mn"),
   accents and other non-ASCII marks stripped (``unicodedata`` NFKD), so "Roemenië", typed
   "roemenie", compares equal. The subject, when there is one, is read as the first line.
2. **Only rules that can fire run**: each names the families of anchor words it cannot match
   without; the message's words are looked up once (cached per distinct word).
3. **Rules, in priority order**: phishing (what the customer gave away decides the first
   action), account take-over, lost or stolen card, fraud (money gone). Each rule needs an own,
   current event, never an alarming word alone: "fraud insurance costs?", "stolen bike
   insurance", "is this e-mail phishing?" do not fire. Composite rules pair two parts in one
   clause (a card and a loss; a payment and a disowning phrase; a disclosure verb and a secret),
   with no negation between them.
4. **Each hit is checked in its clause** (text between sentence punctuation): a negation just
   before it ("no unknown debits", "I have not lost my card"), a hypothetical ("if my card is
   stolen", "ever", "next year", "ooit", "mocht"; but "if I think someone has used my card" is a
   report), or a past, handled event ("last year", "twee jaar geleden") drops that hit; a card
   that is someone else's ("her card", "haar pas") is not ours.
5. **Stood down as a whole** when the customer says it is over or was a false alarm: the card
   was found or given back, "all solved", "it was me", "I thought ... but", "ignore my previous
   message", the new card has arrived. A false negative costs a normal-priority case, which an
   agent still reads; a false positive costs a fraud agent's reserved capacity.

Deliberate choices (see docs/subsystems/emergency.md, "Recognition"): a how-to question about a
hypothetical or future event ("how do I report a stolen card for my mother next year?") is not an
emergency; the SOS route is shown on every channel anyway. A merchant dispute ("charged 20 euro
too much") is not fraud. Someone else's loss is not an emergency for this customer.

``EmergencySignal.matched`` is the normalised phrase that fired, for the agent's "why"; it is
customer text and must never be logged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from klantenservice.domain.emergency_rules import (
    CLAUSE_END,
    HYPOTHETICAL_OR_PAST,
    NEGATED_BEFORE,
    OTHERS_BEFORE,
    RESOLVED,
    RULES,
    Rule,
)
from klantenservice.domain.emergency_words import ALL_FAMILIES, families_in


class EmergencyKind(StrEnum):
    """What kind of emergency; the values are stored and shown."""

    FRAUD = "fraud"  # unknown debits, money taken, scam/spoofing payments
    PHISHING = "phishing"  # gave codes/credentials to a fake bank/site/caller
    ACCOUNT_TAKEOVER = "account_takeover"  # hacked, someone else logged in, changed my details
    LOST_OR_STOLEN_CARD = "lost_or_stolen_card"


@dataclass(frozen=True, slots=True)
class EmergencySignal:
    """Why a message counts as an emergency: the kind and the (normalised) phrase that fired."""

    kind: EmergencyKind
    matched: str


_APOSTROPHES = str.maketrans(dict.fromkeys("'’‘`´", ""))


def normalise(text: str) -> str:
    """Case-folded, apostrophes dropped, accents stripped: what the rules are written against."""
    folded = text.casefold().translate(_APOSTROPHES)
    if folded.isascii():
        return folded
    return unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode("ascii")


def _clause(text: str, start: int, end: int) -> tuple[str, str]:
    """The clause around [start, end): the part before the hit and the whole clause."""
    begin = 0
    for boundary in CLAUSE_END.finditer(text, 0, start):
        begin = boundary.end()
    after = CLAUSE_END.search(text, end)
    return text[begin:start], text[begin : after.start() if after else len(text)]


def _counts(rule: Rule, text: str, match: re.Match[str]) -> bool:
    if (rule.needs is not None and not rule.needs.search(text)) or (
        rule.unless is not None and rule.unless.search(text)
    ):
        return False
    before, clause = _clause(text, match.start(), match.end())
    if NEGATED_BEFORE.search(before) or HYPOTHETICAL_OR_PAST.search(clause):
        return False
    return not (rule.own_card and OTHERS_BEFORE.search(before))


def detect_in_normalised(normalised: str, *, gated: bool = True) -> EmergencySignal | None:
    """``detect_emergency`` on an already normalised text; ``gated=False`` runs every rule
    (same result, slower: the tests compare the two)."""
    present = families_in(normalised) if gated else ALL_FAMILIES
    for rule in RULES:
        for group in rule.gate:  # a plain loop: a generator per rule costs more than the check
            if not group & present:
                break
        else:
            for match in rule.pattern.finditer(normalised):
                if _counts(rule, normalised, match):
                    # stood down only now: most messages never get this far
                    if RESOLVED.search(normalised):
                        return None
                    return EmergencySignal(EmergencyKind(rule.kind), match.group(0))
    return None


def detect_emergency(text: str, subject: str | None = None) -> EmergencySignal | None:
    """The emergency this message reports, or ``None``: see the module docstring for the rules."""
    return detect_in_normalised(normalise(f"{subject}\n{text}" if subject else text))
