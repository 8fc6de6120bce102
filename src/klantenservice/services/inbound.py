"""Receiving an inbound message: the hot path of every channel.

    channel adapter / API ──► receive_message ──► stored message, threaded into a case,
                                                   routed, promise clock started, audited,
                                                   outbox event — all in one commit

Idempotent on ``(channel, external_id)``: the same provider message twice stores one message
and returns the first result with ``duplicate=True``. Threading, in order:
1. an explicit case reference (``KS-000123``; a merged case forwards to its target) — the
   domain's reopen rule decides between append, reopen and a new linked case;
2. otherwise the customer's latest case if it is still active (new/open/pending);
3. otherwise, on conversational channels (chat, WhatsApp, SMS), a case resolved within the
   reopen window is reopened; anything else opens a new case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from klantenservice.domain.cases import (
    Case,
    CaseStatus,
    ReplyDisposition,
    open_case,
    parse_reference,
)
from klantenservice.domain.customers import ContactPoint, Customer
from klantenservice.domain.errors import NotFound, ValidationError
from klantenservice.domain.events import CaseEvent, DomainEvent
from klantenservice.domain.messages import Message, check_body
from klantenservice.domain.permissions import Permission
from klantenservice.domain.routing import RoutingPolicy
from klantenservice.domain.vocabulary import (
    AgentId,
    AuthorKind,
    CaseId,
    Channel,
    CustomerId,
    Direction,
    Language,
    MessageId,
    Priority,
    QueueId,
)
from klantenservice.services import access
from klantenservice.services.assignment import route_case
from klantenservice.services.ports import (
    Actor,
    ConcurrentChange,
    DuplicateExternalId,
    UnitOfWork,
    UnitOfWorkFactory,
)
from klantenservice.services.promises import refresh_projection

CONVERSATIONAL = frozenset({Channel.CHAT, Channel.WHATSAPP, Channel.SMS})
EMERGENCY_QUEUE = "emergency"
INTAKE_ATTEMPTS = 3  # a concurrent first contact of the same new customer: retry
MAX_FOLLOW = 10  # merged-into hops followed before giving up (a cycle is a data error)


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: Channel
    body: str
    external_id: str | None = None
    customer_id: CustomerId | None = None
    contact: ContactPoint | None = None
    customer_name: str | None = None
    language: Language | None = None
    subject: str | None = None
    case_reference: str | None = None
    queue: str | None = None
    priority: Priority | None = None
    category: str | None = None
    required_skills: frozenset[str] = field(default_factory=frozenset)
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IntakeOptions:
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    reopen_window: timedelta = timedelta(days=7)
    auto_assign: bool = True
    default_queue: str = "general"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    message_id: MessageId
    case_id: CaseId
    customer_id: CustomerId
    duplicate: bool = False
    case_created: bool = False
    reopened: bool = False
    assigned_agent_id: AgentId | None = None
    routing: tuple[str, ...] = ()
    promise_due_at: datetime | None = None


def receive_message(
    uow_factory: UnitOfWorkFactory,
    *,
    actor: Actor,
    inbound: InboundMessage,
    now: datetime,
    options: IntakeOptions,
) -> IntakeResult:
    access.check(actor, Permission.MESSAGE_INTAKE)
    check_body(inbound.body)
    if inbound.channel is Channel.INTERNAL_NOTE:
        raise ValidationError("internal notes are not inbound messages; use the notes endpoint")
    for attempt in range(INTAKE_ATTEMPTS):
        try:
            with uow_factory() as uow:
                result = _receive(uow, actor, inbound, now, options)
                uow.commit()
                return result
        except DuplicateExternalId:
            break  # a concurrent request stored it first: answer with what is stored
        except ConcurrentChange:
            if attempt + 1 == INTAKE_ATTEMPTS:
                raise
    with uow_factory(read_only=True) as uow:
        stored = _already_stored(uow, inbound)
        if stored is None:
            raise RuntimeError("duplicate reported but the stored message is not readable")
        return stored


def _receive(
    uow: UnitOfWork, actor: Actor, inbound: InboundMessage, now: datetime, options: IntakeOptions
) -> IntakeResult:
    stored = _already_stored(uow, inbound)
    if stored is not None:
        return stored
    customer = _resolve_customer(uow, actor, inbound, now)
    case, events, created, reopened = _thread(uow, customer, inbound, now, options)
    message = uow.messages.add(
        Message(
            id=None,
            case_id=case.id,
            channel=inbound.channel,
            direction=Direction.INBOUND,
            author_kind=AuthorKind.CUSTOMER,
            body=inbound.body,
            created_at=now,
            external_id=inbound.external_id,
            sent_at=inbound.sent_at,
            subject=inbound.subject,
        )
    )
    assert message.id is not None
    case, more = case.record_customer_message(at=now, message_id=message.id)
    events.extend(more)
    uow.cases.update(case, at=now)
    uow.cases.add_events(case.id, events)
    _audit(uow, actor, case, message.id, created=created, reopened=reopened, now=now)
    outcome_agent: AgentId | None = None
    reasons: tuple[str, ...] = ()
    if options.auto_assign:
        outcome = route_case(uow, actor, case, now=now, policy=options.routing)
        case, outcome_agent, reasons = outcome.case, outcome.agent_id, outcome.reasons
    status = refresh_projection(uow, case, now, history=events if created else None)
    return IntakeResult(
        message_id=message.id,
        case_id=case.id,
        customer_id=case.customer_id,
        case_created=created,
        reopened=reopened,
        assigned_agent_id=outcome_agent,
        routing=reasons,
        promise_due_at=status.next_due_at,
    )


def _already_stored(uow: UnitOfWork, inbound: InboundMessage) -> IntakeResult | None:
    if inbound.external_id is None:
        return None
    message = uow.messages.by_external_id(inbound.channel, inbound.external_id)
    if message is None:
        return None
    case = uow.cases.get(message.case_id)
    assert case is not None and message.id is not None
    return IntakeResult(
        message_id=message.id,
        case_id=case.id,
        customer_id=case.customer_id,
        duplicate=True,
        assigned_agent_id=case.assignee_id,
    )


def _resolve_customer(
    uow: UnitOfWork, actor: Actor, inbound: InboundMessage, now: datetime
) -> Customer:
    if inbound.customer_id is not None:
        return access.get_customer_for(uow, actor, inbound.customer_id)
    if inbound.contact is None:
        raise ValidationError("an inbound message needs a customer_id or a contact point")
    known = uow.customers.find_by_contact(inbound.contact)
    if known is not None:
        return known
    customer = uow.customers.add(
        Customer(
            id=None,
            name=inbound.customer_name or "",
            language=inbound.language or Language.NL,
            contact_points=(inbound.contact,),
            created_at=now,
        ),
        at=now,
    )
    uow.audit.record(
        actor=actor,
        action="customer.created",
        subject_type="customer",
        subject_id=customer.id,
        at=now,
        details={"via": inbound.channel.value},
    )
    return customer


Threaded = tuple[Case, list[CaseEvent], bool, bool]


def _thread(
    uow: UnitOfWork,
    customer: Customer,
    inbound: InboundMessage,
    now: datetime,
    options: IntakeOptions,
) -> Threaded:
    assert customer.id is not None
    case = _referenced_case(uow, customer.id, inbound.case_reference)
    if case is None:
        case = uow.cases.latest_for_customer(customer.id)
        if case is not None and not _continues(case, inbound.channel, now, options):
            return _new_case(uow, customer, inbound, now, options, linked_to=None)
    if case is None:
        return _new_case(uow, customer, inbound, now, options, linked_to=None)
    disposition = case.disposition_of_reply(at=now, reopen_window=options.reopen_window)
    if disposition is ReplyDisposition.NEW_LINKED_CASE:
        return _new_case(uow, customer, inbound, now, options, linked_to=case.id)
    if disposition is ReplyDisposition.REOPEN:
        reopened, events = case.reopen(at=now)
        return reopened, events, False, True
    locked = uow.cases.get(case.id, for_update=True)
    assert locked is not None
    return locked, [], False, False


def _continues(case: Case, channel: Channel, now: datetime, options: IntakeOptions) -> bool:
    """Without a reference: does a new message belong to the customer's latest case?"""
    if case.status in (
        CaseStatus.NEW,
        CaseStatus.OPEN,
        CaseStatus.PENDING_CUSTOMER,
        CaseStatus.PENDING_INTERNAL,
    ):
        return True
    recent = case.resolved_at is not None and now - case.resolved_at <= options.reopen_window
    return case.status is CaseStatus.RESOLVED and channel in CONVERSATIONAL and recent


def _referenced_case(
    uow: UnitOfWork, customer_id: CustomerId, reference: str | None
) -> Case | None:
    if not reference:
        return None
    case_id = parse_reference(reference)
    if case_id is None:
        raise ValidationError(f"case reference {reference!r} is not of the form KS-000123")
    for _ in range(MAX_FOLLOW):
        case = uow.cases.get(case_id, for_update=True)
        if case is None or case.customer_id != customer_id:
            raise NotFound(f"no case {reference} for this customer")
        if case.merged_into is None:
            return case
        case_id = case.merged_into
    raise ValidationError(f"case {reference} is merged in a loop; ask an administrator")


def _new_case(
    uow: UnitOfWork,
    customer: Customer,
    inbound: InboundMessage,
    now: datetime,
    options: IntakeOptions,
    *,
    linked_to: CaseId | None,
) -> Threaded:
    assert customer.id is not None
    priority = inbound.priority or Priority.NORMAL
    queue = uow.directory.queue_by_name(inbound.queue or options.default_queue)
    if inbound.queue is None and priority is Priority.EMERGENCY:
        # the emergency lane runs on a 24/7 calendar; office hours must not pause its clock
        queue = uow.directory.queue_by_name(EMERGENCY_QUEUE) or queue
    if queue is None and inbound.queue:
        raise NotFound(f"no queue named {inbound.queue!r}")
    queue_id: QueueId | None = queue.id if queue else _first_queue(uow)
    draft, events = open_case(
        customer_id=customer.id,
        subject=inbound.subject or inbound.body[:80],
        channel=inbound.channel,
        at=now,
        priority=priority,
        language=inbound.language or customer.language,
        segment=customer.segment,
        queue_id=queue_id,
        category=inbound.category,
        required_skills=inbound.required_skills,
        linked_to=linked_to,
    )
    case = uow.cases.add(draft, at=now)
    return case, events, True, False


def _first_queue(uow: UnitOfWork) -> QueueId | None:
    queues = uow.directory.queues()
    return queues[0].id if queues else None


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    message_id: MessageId,
    *,
    created: bool,
    reopened: bool,
    now: datetime,
) -> None:
    if created:
        uow.audit.record(
            actor=actor,
            action="case.created",
            subject_type="case",
            subject_id=case.id,
            at=now,
            details={"channel": case.channel.value},
        )
    if reopened:
        uow.audit.record(
            actor=actor,
            action="case.reopened",
            subject_type="case",
            subject_id=case.id,
            at=now,
            details={},
        )
    uow.audit.record(
        actor=actor,
        action="message.received",
        subject_type="message",
        subject_id=message_id,
        at=now,
        details={"case_id": case.id, "channel": case.channel.value},
    )
    payload = {"message_id": message_id, "case_id": case.id, "channel": case.channel.value}
    uow.outbox.add(DomainEvent("message.received", payload, now))
    if created:
        uow.outbox.add(DomainEvent("case.created", {"case_id": case.id}, now))
