"""A member of staff opens a case for a customer (a phone call, a visit, a letter).

Inbound customer messages open cases through ``services/inbound.py``; this is the other door:
the agent records that a customer needs something, with no inbound message yet. One
transaction: the case and its CREATED event (which starts the promise clocks), optional tags,
optional assignment to the acting agent, the audit row and the outbox event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from klantenservice.domain.cases import Case, open_case
from klantenservice.domain.errors import NotFound, PermissionDenied, ValidationError
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import Channel, CustomerId, Language, Priority, QueueId
from klantenservice.services import access
from klantenservice.services.assignment import apply_assignment
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import refresh_projection

DEFAULT_QUEUE = "general"


@dataclass(frozen=True, slots=True)
class NewCase:
    customer_id: CustomerId
    subject: str
    channel: Channel
    priority: Priority = Priority.NORMAL
    language: Language | None = None  # None: the customer's language
    queue_id: QueueId | None = None  # None: the default queue
    category: str | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    required_skills: frozenset[str] = field(default_factory=frozenset)


def open_case_for_customer(
    uow: UnitOfWork, *, actor: Actor, new: NewCase, now: datetime, assign_to_me: bool = False
) -> Case:
    access.check(actor, Permission.CASE_WRITE)
    if new.channel is Channel.INTERNAL_NOTE:
        raise ValidationError("a case is opened on a customer channel, not internal_note")
    if assign_to_me and actor.agent_id is None:
        raise PermissionDenied("only agents take cases; this account has no agent profile")
    with uow:
        customer = access.get_customer_for(uow, actor, new.customer_id)
        draft, events = open_case(
            customer_id=new.customer_id,
            subject=new.subject,
            channel=new.channel,
            at=now,
            priority=new.priority,
            language=new.language or customer.language,
            segment=customer.segment,
            queue_id=_queue_id(uow, new.queue_id),
            category=new.category,
            required_skills=new.required_skills,
        )
        draft, tagged = draft.add_tags(new.tags, at=now)
        case = uow.cases.add(draft, at=now)
        uow.cases.add_events(case.id, [*events, *tagged])
        uow.audit.record(
            actor=actor,
            action="case.created",
            subject_type="case",
            subject_id=case.id,
            at=now,
            details={"channel": case.channel.value, "via": "staff"},
        )
        uow.outbox.add(DomainEvent("case.created", {"case_id": case.id}, now))
        if assign_to_me and actor.agent_id is not None:
            reasons = (f"opened and taken by {actor.label}",)
            case = apply_assignment(uow, actor, case, actor.agent_id, now=now, reasons=reasons)
        refresh_projection(uow, case, now)
        uow.commit()
        return case


def _queue_id(uow: UnitOfWork, queue_id: QueueId | None) -> QueueId | None:
    if queue_id is not None:
        if uow.directory.get_queue(queue_id) is None:
            raise NotFound(f"no queue with id {queue_id}")
        return queue_id
    queue = uow.directory.queue_by_name(DEFAULT_QUEUE)
    if queue is not None:
        return queue.id
    queues = uow.directory.queues()
    return queues[0].id if queues else None
