"""One customer across channels: which other customers may be the same person, and why.

Exact matches are automatic and happen at intake: a contact point is stored normalised
(``customers.py``), so a phone number, an e-mail address or a WhatsApp id written differently
finds its owner by equality. Everything else is only a *proposal* to an agent, who decides;
this module finds those proposals, explains each in sentences an agent reads, and says how the
two records combine when the agent confirms. It never decides that two customers are one.

Signals, per pair of customers (docs/subsystems/customers.md):

- **Same number, other channel**: the WhatsApp id of one is the digits of the other's phone
  number. Strong, yet never automatic: numbers are recycled by operators and shared in
  families.
- **Same mailbox, written differently**: plus-addressing (``jan+bank@``), dots in a Gmail
  address, ``googlemail.com``. Strong: mail to both reaches one mailbox.
- **Names**: a supporting signal only. A bank has many "Jan de Vries", so a name never
  proposes a customer by itself (that would also show agents other customers' records for no
  reason). Next to a contact signal, names that fit ("J. de Vries", "Jan") keep the proposal
  *strong*; names that differ make it *possible* (a shared family number) and say so.

A candidate is found by an indexed lookup of ``match_key`` (one key per contact point: the
number's digits for phone and WhatsApp, the canonical mailbox for e-mail), never by a scan.
Customers already merged into another, pairs an agent rejected, and customers known to the
core-banking system under different references (two different bank customers by definition)
are never proposed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

from klantenservice.domain.customers import ContactKind, ContactPoint, Customer, VerificationLevel
from klantenservice.domain.vocabulary import CustomerId

MAX_CANDIDATES = 20  # customers looked at per subject: proposals are for a person to read
GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


class Signal(StrEnum):
    SAME_NUMBER_OTHER_CHANNEL = "same_number_other_channel"
    SAME_MAILBOX = "same_mailbox"
    NAMES_FIT = "names_fit"
    NAMES_DIFFER = "names_differ"


class Strength(StrEnum):
    STRONG = "strong"  # a contact signal, names fit or unknown
    POSSIBLE = "possible"  # a contact signal, but the names differ


class Decision(StrEnum):
    CONFIRMED = "confirmed"  # the same person: merged
    REJECTED = "rejected"  # not the same person: never proposed again


@dataclass(frozen=True, slots=True)
class Reason:
    """One signal with the two values it compares (``mine``: the subject's, ``theirs``).

    For contact signals the values are contact points' values and ``kinds`` their kinds (so a
    page can name the channel in its own language); for names, the names.
    """

    signal: Signal
    mine: str
    theirs: str
    kinds: tuple[ContactKind, ContactKind] | None = None

    @property
    def sentence(self) -> str:
        """English, for the API and the audit trail; the desk translates by ``signal``."""
        mine, theirs = self.mine, self.theirs
        if self.kinds is not None:
            mine, theirs = _shown(self.kinds[0], mine), _shown(self.kinds[1], theirs)
        if self.signal is Signal.SAME_NUMBER_OTHER_CHANNEL:
            return (
                f"{mine} and {theirs} are the same number on another channel "
                "(numbers are recycled and shared in families: check who you are talking to)."
            )
        if self.signal is Signal.SAME_MAILBOX:
            return f"{mine} and {theirs} reach the same mailbox."
        if self.signal is Signal.NAMES_FIT:
            return f"The names fit: {mine!r} and {theirs!r}."
        return f"The names differ: {mine!r} and {theirs!r}."


@dataclass(frozen=True, slots=True)
class Proposal:
    """``other`` may be the same person as the subject, for ``reasons``."""

    other: Customer
    strength: Strength
    reasons: tuple[Reason, ...]

    @property
    def signals(self) -> tuple[str, ...]:
        return tuple(reason.signal.value for reason in self.reasons)


# --- keys: what an indexed lookup finds candidates by -----------------------------------------


@lru_cache(maxsize=4096)
def match_key(point: ContactPoint) -> str:
    """The key under which ``point`` meets the contact points that reach the same person.

    Phone and WhatsApp share the number's digits (``n:31612345678``), so an SMS number finds a
    WhatsApp id; e-mail addresses the canonical mailbox (``e:jandevries@gmail.com``). Stored
    with every contact point (``contact_points.match_key``, indexed).
    """
    if point.kind is ContactKind.EMAIL:
        return f"e:{canonical_mailbox(point.value)}"
    return f"n:{point.value.removeprefix('+')}"


def canonical_mailbox(address: str) -> str:
    """The mailbox an (already normalised, lower-case) address delivers to.

    Plus-addressing is dropped for every domain (``jan+bank@x.nl`` is ``jan@x.nl`` at nearly
    every provider); Gmail also ignores dots and answers to ``googlemail.com``. Used only to
    *propose*: a wrong guess costs an agent one click, never a merge.
    """
    local, _, domain = address.rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_DOMAINS:
        domain = "gmail.com"
        local = local.replace(".", "")
    return f"{local}@{domain}"


# --- names --------------------------------------------------------------------------------------


def name_tokens(name: str) -> tuple[str, ...]:
    """Case, diacritics and punctuation removed: ``"J. de Vriës"`` -> ``("j", "de", "vries")``."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return tuple("".join(c if c.isalnum() else " " for c in plain).split())


def names_fit(first: str, second: str) -> bool | None:
    """Whether one name could be the other written shorter; ``None`` when one is unknown.

    The shorter name's words must appear in the longer one in order, each equal or as its
    initial: "Jan" and "J. de Vries" fit "Jan de Vries"; "Marieke de Vries" does not.
    """
    a, b = name_tokens(first), name_tokens(second)
    if not a or not b:
        return None
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    position = 0
    for word in short:
        while position < len(long) and not _same_word(word, long[position]):
            position += 1
        if position == len(long):
            return False
        position += 1
    return True


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


# --- proposals ----------------------------------------------------------------------------------


def propose(
    subject: Customer,
    candidates: Iterable[Customer],
    *,
    rejected: frozenset[CustomerId] = frozenset(),
) -> list[Proposal]:
    """The candidates that may be ``subject``, strongest first, each with its reasons.

    A candidate without a contact signal is never proposed (a name alone is not enough).
    """
    proposals = []
    for other in candidates:
        if other.id is None or other.id == subject.id or other.id in rejected:
            continue
        if other.merged_into is not None:  # absorbed: its contact points live on the survivor
            continue
        if not may_be_same(subject, other):
            continue
        contact = _contact_reasons(subject, other)
        if not contact:
            continue
        fit = names_fit(subject.name, other.name)
        strength = Strength.POSSIBLE if fit is False else Strength.STRONG
        reasons = list(contact)
        if fit is not None:
            signal = Signal.NAMES_FIT if fit else Signal.NAMES_DIFFER
            reasons.append(Reason(signal, subject.name, other.name))
        proposals.append(Proposal(other, strength, tuple(reasons)))
    order = {Strength.STRONG: 0, Strength.POSSIBLE: 1}
    return sorted(proposals, key=lambda p: (order[p.strength], p.other.id or 0))


def may_be_same(first: Customer, second: Customer) -> bool:
    """False when the bank's own records say they are two people (two core-banking refs)."""
    return not (
        first.external_ref is not None
        and second.external_ref is not None
        and first.external_ref != second.external_ref
    )


def _contact_reasons(subject: Customer, other: Customer) -> list[Reason]:
    reasons = []
    for mine in subject.contact_points:
        for theirs in other.contact_points:
            if mine == theirs or match_key(mine) != match_key(theirs):
                continue
            signal = (
                Signal.SAME_MAILBOX
                if mine.kind is ContactKind.EMAIL
                else Signal.SAME_NUMBER_OTHER_CHANNEL
            )
            kinds = (mine.kind, theirs.kind)
            reasons.append(Reason(signal, shown_value(mine), shown_value(theirs), kinds))
    return reasons


def shown_value(point: ContactPoint) -> str:
    """A contact point's value as an agent reads it: a WhatsApp id gets its '+' back."""
    return f"+{point.value}" if point.kind is ContactKind.WHATSAPP else point.value


def _shown(kind: ContactKind, value: str) -> str:
    return {ContactKind.WHATSAPP: "WhatsApp ", ContactKind.PHONE: "phone "}.get(kind, "") + value


# --- merging ------------------------------------------------------------------------------------


def choose_survivor(first: Customer, second: Customer) -> tuple[Customer, Customer]:
    """(survivor, absorbed): the older record survives (it has the longer history)."""

    def age(customer: Customer) -> tuple[float, int]:
        created = customer.created_at
        return (created.timestamp() if created else float("inf"), customer.id or 0)

    return (first, second) if age(first) <= age(second) else (second, first)


def merged_record(survivor: Customer, absorbed: Customer) -> Customer:
    """The survivor's record after ``absorbed`` joined it: the more protective values win.

    - vulnerable: either says so -> vulnerable (a support need once noted must not get lost);
    - verification: the LOWER level. The merge is an agent's judgement on a number or a
      mailbox, not proof of identity: a contact that only texted us must not inherit a
      strongly verified record's level. A higher level is earned again by verifying;
    - segment and core-banking reference: from the record the bank knows (``external_ref``),
      else the survivor's; name: the survivor's unless it has none; language: the survivor's;
      tags: both.
    Contact points are moved by the store, not here.
    """
    bank_record = absorbed if survivor.external_ref is None and absorbed.external_ref else survivor
    return replace(
        survivor,
        name=survivor.name or absorbed.name,
        segment=bank_record.segment,
        vulnerable=survivor.vulnerable or absorbed.vulnerable,
        verification=VerificationLevel(min(survivor.verification, absorbed.verification)),
        external_ref=survivor.external_ref or absorbed.external_ref,
        tags=survivor.tags | absorbed.tags,
    )


def ordered_pair(first: CustomerId, second: CustomerId) -> tuple[CustomerId, CustomerId]:
    """A pair of customers as stored: lower id first, so a decision holds in both directions."""
    return (first, second) if first < second else (second, first)
