"""Incident mode: while a supervisor's declared incident lasts, the channels behave differently.

An outage or a fraud wave floods every channel with the same question. Declaring an incident
(issue 5, item 4) tells customers at once what is going on and where to go in an emergency,
and keeps the flood apart from ordinary work:

- an **affected channel** (none named = every channel) tags each case it brings
  ``incident-<id>``; a *new* case goes to the incident's own queue, except an emergency, which
  stays in the emergency lane (tagged all the same);
- chat, e-mail, WhatsApp and SMS answer once per case with ``auto_reply_text``: the message in
  the case's language followed by the emergency route (number and SOS form);
- the widget and the portal show the message as a banner, the IVR speaks it first.

Products are short free tags ("creditcard", "ideal") shown to staff and in the report; which
contacts an incident touches is decided by channel alone (the intake does not know products).

Pure: values in, values out; the store and the clock belong to ``services/incidents.py``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from klantenservice.domain.emergency import time_to_human, within_promise
from klantenservice.domain.errors import InvalidTransition, ValidationError
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.vocabulary import CaseId, Channel, Language, Priority

MAX_MESSAGE_LENGTH = 500  # read aloud by the IVR and sent as one SMS thread: keep it short
MAX_PRODUCTS = 10
MAX_QUEUE_NAME = 100
PRODUCT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
QUEUE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
INCIDENT_CHANNELS = frozenset(Channel) - {Channel.INTERNAL_NOTE}


class IncidentKind(StrEnum):
    OUTAGE = "outage"
    FRAUD_WAVE = "fraud_wave"
    SECURITY = "security"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class EmergencyRoute:
    """Where a customer in trouble goes: the 24/7 emergency number and the SOS form."""

    phone_number: str
    sos_url: str

    @classmethod
    def on(cls, phone_number: str, public_base_url: str) -> EmergencyRoute:
        return cls(phone_number, public_base_url.rstrip("/") + "/sos")


# The demo bank's (Polderbank) 24/7 number; ``settings.emergency_phone_number`` sets the real one.
DEFAULT_EMERGENCY_NUMBER = "+31 20 555 0100"
DEFAULT_EMERGENCY_ROUTE = EmergencyRoute.on(DEFAULT_EMERGENCY_NUMBER, "http://localhost:8000")


@dataclass(frozen=True, slots=True)
class Incident:
    id: int | None
    kind: IncidentKind
    message_nl: str
    message_en: str
    declared_at: datetime
    declared_by: str
    queue: str = ""  # the dedicated queue; "" until stored (``incident-<id>`` by default)
    channels: frozenset[Channel] = frozenset()  # empty: every channel
    products: tuple[str, ...] = ()
    offer_callbacks: bool = False
    ended_at: datetime | None = None
    ended_by: str | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def tag(self) -> str:
        """The tag on every case the incident touched: how the report finds them."""
        return f"incident-{self.id}"

    def affects(self, channel: Channel) -> bool:
        return not self.channels or channel in self.channels

    def message(self, language: Language | str) -> str:
        return self.message_en if language == Language.EN else self.message_nl

    def end(self, *, at: datetime, by: str) -> Incident:
        if self.ended_at is not None:
            raise InvalidTransition(f"incident {self.id} has already ended")
        if at < self.declared_at:
            raise ValidationError("an incident cannot end before it was declared")
        return replace(self, ended_at=at, ended_by=by)


def declare(
    *,
    kind: str,
    message_nl: str,
    message_en: str,
    at: datetime,
    by: str,
    channels: Iterable[str] = (),
    products: Iterable[str] = (),
    queue: str | None = None,
    offer_callbacks: bool = False,
) -> Incident:
    """A checked new incident (without id); every refusal names what is wrong."""
    try:
        incident_kind = IncidentKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in IncidentKind)
        raise ValidationError(f"unknown incident kind {kind!r}; use one of: {allowed}") from None
    return Incident(
        id=None,
        kind=incident_kind,
        message_nl=check_message(message_nl, "Dutch"),
        message_en=check_message(message_en, "English"),
        declared_at=at,
        declared_by=by,
        queue=check_queue_name(queue) if queue else "",
        channels=parse_channels(channels),
        products=parse_products(products),
        offer_callbacks=offer_callbacks,
    )


def check_message(text: str, language: str) -> str:
    """Plain text, one short paragraph: it is spoken, texted and shown as a banner."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValidationError(f"the {language} incident message is empty")
    if len(cleaned) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            f"the {language} incident message is {len(cleaned)} characters; "
            f"at most {MAX_MESSAGE_LENGTH}"
        )
    if "<" in cleaned or ">" in cleaned:
        raise ValidationError(f"the {language} incident message must be plain text, no < or >")
    return cleaned


def parse_channels(names: Iterable[str]) -> frozenset[Channel]:
    found: set[Channel] = set()
    for name in names:
        try:
            channel = Channel(name.strip().lower())
        except ValueError:
            channel = None
        if channel not in INCIDENT_CHANNELS:
            allowed = ", ".join(sorted(c.value for c in INCIDENT_CHANNELS))
            raise ValidationError(f"unknown channel {name!r}; use one of: {allowed}")
        found.add(channel)
    return frozenset(found)


def parse_products(tags: Iterable[str]) -> tuple[str, ...]:
    found = sorted({t.strip().lower() for t in tags if t.strip()})
    if len(found) > MAX_PRODUCTS:
        raise ValidationError(f"an incident names at most {MAX_PRODUCTS} products")
    for tag in found:
        if not PRODUCT_PATTERN.match(tag):
            raise ValidationError(
                f"product {tag!r}: 1-40 letters, digits, - or _, starting with a letter or digit"
            )
    return tuple(found)


def check_queue_name(name: str) -> str:
    cleaned = name.strip().lower()
    if not QUEUE_PATTERN.match(cleaned):
        raise ValidationError(
            f"queue name {name!r}: 1-100 letters, digits, '.', '-' or '_', no spaces"
        )
    return cleaned


def default_queue_name(incident_id: int) -> str:
    return f"incident-{incident_id}"


_ROUTE_TEXT = {
    Language.NL: "Noodgeval, zoals fraude of een gestolen pas? Bel dag en nacht {phone} "
    "of meld het via {url}.",
    Language.EN: "An emergency, such as fraud or a stolen card? Call {phone}, day and night, "
    "or report it at {url}.",
}


def auto_reply_text(incident: Incident, language: Language | str, route: EmergencyRoute) -> str:
    """The incident message followed by the emergency route, in the customer's language.

    Sent by the intake once per case and incident on chat, e-mail, WhatsApp and SMS; written
    here rather than in a catalogue because it leaves through a channel, not a page.
    """
    lang = Language.EN if language == Language.EN else Language.NL
    route_text = _ROUTE_TEXT[lang].format(phone=route.phone_number, url=route.sos_url)
    return f"{incident.message(lang)}\n\n{route_text}"


def active_for(incidents: Sequence[Incident], channel: Channel) -> list[Incident]:
    return [i for i in incidents if i.active and i.affects(channel)]


# -- the report ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the report needs of one case with a customer message during the incident."""

    case_id: CaseId
    channel: Channel
    priority: Priority
    created_at: datetime
    tags: frozenset[str]
    history: tuple[CaseEvent, ...]
    breached_at: tuple[datetime, ...] = ()  # its promise clocks' breach instants


@dataclass(frozen=True, slots=True)
class Waits:
    answered: int
    unanswered: int
    p50: timedelta | None
    p90: timedelta | None
    max: timedelta | None


@dataclass(frozen=True, slots=True)
class EmergencyContact:
    case_id: CaseId
    time_to_human: timedelta | None  # None: nobody had reached the customer by the end

    @property
    def within_target(self) -> bool:
        return self.time_to_human is not None and within_promise(self.time_to_human)


@dataclass(frozen=True, slots=True)
class IncidentReport:
    incident_id: int
    start: datetime
    end: datetime
    contacts_by_channel: Mapping[Channel, int]
    tagged_cases: int
    waits: Waits
    breaches: int
    emergencies: tuple[EmergencyContact, ...] = field(default_factory=tuple)

    @property
    def contacts(self) -> int:
        return sum(self.contacts_by_channel.values())

    @property
    def emergency_share_within_target(self) -> float | None:
        if not self.emergencies:
            return None
        return sum(e.within_target for e in self.emergencies) / len(self.emergencies)


def percentile(values: Sequence[timedelta], share: float) -> timedelta:
    """Nearest-rank percentile: a wait some customer really had, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def build_report(
    incident: Incident,
    *,
    end: datetime,
    contacts_by_channel: Mapping[Channel, int],
    cases: Sequence[CaseFacts],
) -> IncidentReport:
    """Contacts, waits to a first human answer, breaches and emergencies of the window.

    Waits count cases opened during the incident; a case nobody answered by ``end`` is
    counted as unanswered, not as a wait. ``end`` is the incident's end, or now while it lasts.
    """
    start = incident.declared_at
    opened = [c for c in cases if start <= c.created_at <= end]
    answered = [w for c in opened if (w := time_to_human(c.history)) is not None]
    waits = Waits(
        answered=len(answered),
        unanswered=len(opened) - len(answered),
        p50=percentile(answered, 0.5) if answered else None,
        p90=percentile(answered, 0.9) if answered else None,
        max=max(answered) if answered else None,
    )
    breaches = sum(1 for c in cases for at in c.breached_at if start <= at <= end)
    emergencies = tuple(
        EmergencyContact(c.case_id, time_to_human(c.history))
        for c in sorted(opened, key=lambda c: c.created_at)
        if c.priority is Priority.EMERGENCY
    )
    counted = Counter({channel: n for channel, n in contacts_by_channel.items() if n})
    return IncidentReport(
        incident_id=int(incident.id or 0),
        start=start,
        end=end,
        contacts_by_channel=dict(sorted(counted.items())),
        tagged_cases=sum(1 for c in cases if incident.tag in c.tags),
        waits=waits,
        breaches=breaches,
        emergencies=emergencies,
    )


__all__ = [
    "CaseFacts",
    "EmergencyContact",
    "EmergencyRoute",
    "Incident",
    "IncidentKind",
    "IncidentReport",
    "Waits",
    "active_for",
    "auto_reply_text",
    "build_report",
    "declare",
]
