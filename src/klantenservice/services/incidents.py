"""Incident mode's use cases: declare, end, list, the public notices, the report.

Declaring and ending are a supervisor's (or an administrator's) decision: ``queue_supervise``,
the permission of the supervisor view they are made from. Both are audited and announced
through the outbox (``incident.declared`` / ``incident.ended``) so open desks refresh. What an
active incident changes at intake lives in ``services/incident_intake.py``.

The dedicated queue: a named existing queue is used as it is; a missing one is created at
declaration with the default queue's calendar, and the default queue's agents join it, so
routing has someone to offer its cases to from the first message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.agents import Queue
from klantenservice.domain.errors import NotFound
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.incidents import (
    CaseFacts,
    Incident,
    IncidentReport,
    build_report,
    declare,
)
from klantenservice.domain.permissions import Permission
from klantenservice.domain.promises import ClockState
from klantenservice.services import access
from klantenservice.services.ports import Actor, UnitOfWork, UnitOfWorkFactory
from klantenservice.services.promises import evaluate

RECENT = 20
DEFAULT_QUEUE = "general"


@dataclass(frozen=True, slots=True)
class Declaration:
    """What the supervisor filled in (form or API), unchecked: ``declare`` checks it."""

    kind: str
    message_nl: str
    message_en: str
    channels: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    queue: str | None = None
    offer_callbacks: bool = False


@dataclass(frozen=True, slots=True)
class Notice:
    """The public face of an active incident: the message only, nothing about anyone."""

    id: int
    message_nl: str
    message_en: str
    channels: frozenset[str]
    offer_callbacks: bool

    def message(self, language: str) -> str:
        return self.message_en if language == "en" else self.message_nl


def declare_incident(
    uow: UnitOfWork, *, actor: Actor, declaration: Declaration, now: datetime
) -> Incident:
    access.check(actor, Permission.QUEUE_SUPERVISE)
    draft = declare(
        kind=declaration.kind,
        message_nl=declaration.message_nl,
        message_en=declaration.message_en,
        at=now,
        by=actor.label,
        channels=declaration.channels,
        products=declaration.products,
        queue=declaration.queue,
        offer_callbacks=declaration.offer_callbacks,
    )
    with uow:
        incident = uow.incidents.add(draft)
        assert incident.id is not None
        created = _ensure_queue(uow, incident.queue)
        uow.audit.record(
            actor=actor,
            action="incident.declared",
            subject_type="incident",
            subject_id=incident.id,
            at=now,
            details={
                "kind": incident.kind.value,
                "channels": sorted(c.value for c in incident.channels),
                "products": list(incident.products),
                "queue": incident.queue,
                "queue_created": created,
                "offer_callbacks": incident.offer_callbacks,
            },
        )
        uow.outbox.add(DomainEvent("incident.declared", {"incident_id": incident.id}, now))
        uow.commit()
        return incident


def _ensure_queue(uow: UnitOfWork, name: str) -> bool:
    """The incident's queue exists afterwards; True when it was created now."""
    if uow.directory.queue_by_name(name) is not None:
        return False
    template = uow.directory.queue_by_name(DEFAULT_QUEUE)
    calendar = template.calendar if template is not None else Queue(None, name).calendar
    queue = uow.directory.add_queue(Queue(None, name, calendar=calendar))
    if template is not None and template.id is not None and queue.id is not None:
        uow.incidents.staff_like(queue.id, template.id)
    return True


def end_incident(uow: UnitOfWork, *, actor: Actor, incident_id: int, now: datetime) -> Incident:
    access.check(actor, Permission.QUEUE_SUPERVISE)
    with uow:
        found = uow.incidents.get(incident_id, for_update=True)
        if found is None:
            raise NotFound(f"no incident {incident_id}")
        ended = found.end(at=now, by=actor.label)
        uow.incidents.update(ended)
        uow.audit.record(
            actor=actor,
            action="incident.ended",
            subject_type="incident",
            subject_id=incident_id,
            at=now,
            details={"declared_at": found.declared_at.isoformat()},
        )
        uow.outbox.add(DomainEvent("incident.ended", {"incident_id": incident_id}, now))
        uow.commit()
        return ended


def list_incidents(uow: UnitOfWork, *, actor: Actor, active_only: bool) -> list[Incident]:
    access.check(actor, Permission.QUEUE_SUPERVISE)
    with uow:
        return uow.incidents.active() if active_only else uow.incidents.recent(limit=RECENT)


def get_incident(uow: UnitOfWork, *, actor: Actor, incident_id: int) -> Incident:
    access.check(actor, Permission.QUEUE_SUPERVISE)
    with uow:
        found = uow.incidents.get(incident_id)
    if found is None:
        raise NotFound(f"no incident {incident_id}")
    return found


def notices(uow_factory: UnitOfWorkFactory, channels: Iterable[str] = ()) -> list[Notice]:
    """The banners for the widget and the portal, and the IVR's announcement: public.

    ``channels``: only incidents affecting one of these (or every channel); none given: all.
    """
    wanted = set(channels)
    with uow_factory(read_only=True) as uow:
        active = uow.incidents.active()
    return [
        Notice(
            id=int(i.id or 0),
            message_nl=i.message_nl,
            message_en=i.message_en,
            channels=frozenset(c.value for c in i.channels),
            offer_callbacks=i.offer_callbacks,
        )
        for i in active
        if not wanted or not i.channels or wanted & {c.value for c in i.channels}
    ]


def incident_report(
    uow: UnitOfWork, *, actor: Actor, incident_id: int, now: datetime
) -> tuple[Incident, IncidentReport]:
    """The report over the incident's window (until now while it lasts).

    One history read and one promise evaluation per case with a customer message in the
    window: run when a supervisor asks, never on the intake path. Shows case ids and figures
    only, no customer's name or message, so it is not a view of anyone's record.
    """
    access.check(actor, Permission.QUEUE_SUPERVISE)
    with uow:
        incident = uow.incidents.get(incident_id)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        start, end = incident.declared_at, incident.ended_at or now
        facts: list[CaseFacts] = []
        for case_id in uow.incidents.cases_with_contacts(start, end):
            case = uow.cases.get(case_id)
            if case is None:
                continue
            history = tuple(uow.cases.history([case.id]))
            clocks = evaluate(uow, case, end, history, explain=False).clocks
            breached = tuple(
                c.breached_at
                for c in clocks
                if c.state is ClockState.BREACHED and c.breached_at is not None
            )
            facts.append(
                CaseFacts(
                    case_id=case.id,
                    channel=case.channel,
                    priority=case.priority,
                    created_at=case.created_at,
                    tags=case.tags,
                    history=history,
                    breached_at=breached,
                )
            )
        contacts = uow.incidents.contacts_by_channel(start, end)
    return incident, build_report(incident, end=end, contacts_by_channel=contacts, cases=facts)
