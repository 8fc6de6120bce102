"""The emergency lane's rules: the 10-minute human-contact promise and its escalation ladder.

PRODUCT.md capability 4 and PSD2 art. 69(1)(b) / 70(1)(c): a customer reporting fraud, a lost
or stolen card or an account take-over must reach a person fast, at any hour. What counts:

- **Human contact** is the first public reply by an agent (``AGENT_REPLY``) or an agent reaching
  the customer by voice (``CONTACTED``: an answered call, a call-back made). Bot and system
  messages never count: they are not ``AGENT_REPLY`` events.
- **Time to human** runs from the case's creation (the report's receipt) to that contact, in
  real elapsed time: the lane keeps a 24/7 calendar.
- **The ladder**: while nobody has made contact, the on-call supervisor is alerted at 5 minutes
  and the next level at 8 minutes (``EscalationStep``); the promise itself breaks at 10 minutes.
  Each step is due once per case; a step that came due while the sweeper was down is still
  fired (late, and its lateness is recorded), never skipped.

Pure: events and ``now`` in, decisions out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.vocabulary import Language, Priority

HUMAN_CONTACT_TARGET = timedelta(minutes=10)
HUMAN_CONTACT_KINDS = frozenset({CaseEventKind.AGENT_REPLY, CaseEventKind.CONTACTED})


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """One rung: ``after`` the report without human contact, alert ``level`` (1 = on-call)."""

    level: int
    after: timedelta

    def __post_init__(self) -> None:
        if self.level < 1:
            raise ValidationError("escalation levels start at 1 (the on-call supervisor)")
        if not timedelta(0) < self.after < HUMAN_CONTACT_TARGET:
            raise ValidationError(
                "an escalation step must come after the report and before the 10-minute promise"
            )


DEFAULT_LADDER = (
    EscalationStep(level=1, after=timedelta(minutes=5)),
    EscalationStep(level=2, after=timedelta(minutes=8)),
)


def check_ladder(steps: Sequence[EscalationStep]) -> tuple[EscalationStep, ...]:
    """Levels 1, 2, ... in order, each later than the one before."""
    for position, step in enumerate(steps, start=1):
        if step.level != position:
            raise ValidationError(f"escalation step {position} must be level {position}")
        if position > 1 and step.after <= steps[position - 2].after:
            raise ValidationError(
                f"escalation level {position} must come after level {position - 1}"
            )
    return tuple(steps)


def created_at(history: Iterable[CaseEvent]) -> datetime | None:
    return next((e.at for e in history if e.kind is CaseEventKind.CREATED), None)


def first_human_contact(history: Iterable[CaseEvent]) -> datetime | None:
    """When an agent first reached the customer, or None while nobody has."""
    events = list(history)
    start = created_at(events)
    if start is None:
        return None
    return min(
        (e.at for e in events if e.kind in HUMAN_CONTACT_KINDS and e.at >= start), default=None
    )


def time_to_human(history: Iterable[CaseEvent]) -> timedelta | None:
    """From the report to the first human contact; None while nobody has made contact."""
    events = list(history)
    start, contact = created_at(events), first_human_contact(events)
    if start is None or contact is None:
        return None
    return contact - start


def within_promise(waited: timedelta) -> bool:
    """A contact exactly at 10 minutes keeps the promise (as every promise clock does)."""
    return waited <= HUMAN_CONTACT_TARGET


def due_steps(
    reported_at: datetime,
    contacted_at: datetime | None,
    fired: Iterable[int],
    now: datetime,
    ladder: Sequence[EscalationStep] = DEFAULT_LADDER,
) -> tuple[EscalationStep, ...]:
    """The rungs to fire now: due by ``now`` and not fired before, while nobody has reached the
    customer. Once contact is made nothing more fires (a step due but unfired is moot)."""
    if contacted_at is not None:
        return ()
    done = set(fired)
    return tuple(
        step for step in ladder if step.level not in done and reported_at + step.after <= now
    )


_QUOTE_START = re.compile(
    r"^(?:>|-{2,} ?(?:original message|oorspronkelijk bericht|forwarded message|doorgestuurd "
    r"bericht)|(?:on|op) .{4,120}(?:wrote|schreef)\b.*:\s*$)",
    re.IGNORECASE | re.MULTILINE,
)


def fresh_text(body: str) -> str:
    """An e-mail's own words: everything before the first quoted line or quote header, so an
    earlier message quoted in a reply ("your stolen card has been blocked") raises no alarm."""
    found = _QUOTE_START.search(body)
    return body if found is None else body[: found.start()]


def may_end_case(
    priority: Priority, current: CaseStatus, to: CaseStatus, *, actor_is_person: bool
) -> bool:
    """Bots and integrations never end an emergency case: a person resolves it, after speaking
    to the customer (PRODUCT.md §4). Archiving it afterwards (resolved -> closed, the system's
    housekeeping) ends nothing a person had not ended already."""
    ending = to in (CaseStatus.RESOLVED, CaseStatus.CLOSED)
    archiving = current is CaseStatus.RESOLVED and to is CaseStatus.CLOSED
    return actor_is_person or not ending or archiving or priority is not Priority.EMERGENCY


EMERGENCY_SKILL = "fraud"  # the certification the lane's agents hold (routing never relaxes it)

_ACKNOWLEDGEMENT = {
    Language.NL: (
        "We hebben uw melding ontvangen op {at}. Uw referentie is {reference}. Een medewerker "
        "neemt binnen 10 minuten contact met u op, ook 's nachts en in het weekend."
    ),
    Language.EN: (
        "We received your report at {at}. Your reference is {reference}. A member of staff "
        "will contact you within 10 minutes, also at night and at weekends."
    ),
}
_BLOCK_ROUTE = {
    Language.NL: " Uw pas direct blokkeren kan via {sos_url} of 24/7 op {number}.",
    Language.EN: " You can block your card at once at {sos_url} or 24/7 on {number}.",
}


def acknowledgement(
    language: Language,
    *,
    reference: str,
    reported_at: datetime,
    zone: str,
    emergency_number: str = "",
    sos_url: str = "",
) -> str:
    """What the customer is told at once: the reference, the time of receipt to the second
    (in the bank's time zone), the 10-minute promise, and how to block a card now."""
    local = reported_at.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y %H:%M:%S")
    text = _ACKNOWLEDGEMENT[language].format(at=local, reference=reference)
    if emergency_number and sos_url:
        text += _BLOCK_ROUTE[language].format(sos_url=sos_url, number=emergency_number)
    return text
