"""One inbound message inside its batch's transaction: threaded, stored, routed, clocked.

``services/inbound.py`` runs a batch of these in one transaction; this module decides what one
message does. Threading, in order:
0. the sender asked for a new case (``new_case``: the portal's web form): a new case;
1. an explicit case reference (``KS-000123``; a merged case forwards to its target) — the
   domain's reopen rule decides between append, reopen and a new linked case;
2. otherwise the customer's latest case if it is still active (new/open/pending);
3. otherwise, on conversational channels (chat, WhatsApp, SMS), a case resolved within the
   reopen window is reopened; anything else opens a new case.

Promise clocks are recomputed from the case history only when the message can move them
(``promise_clocks.customer_message_moves_clocks``): a follow-up while the case already waits
for a reply reads the stored projection instead of replaying a long history.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from klantenservice.domain.cases import (
    Case,
    CaseStatus,
    ReplyDisposition,
    open_case,
    parse_reference,
)
from klantenservice.domain.customers import ContactPoint, Customer, CustomerRef
from klantenservice.domain.emergency import EMERGENCY_SKILL
from klantenservice.domain.emergency_detection import EmergencyKind
from klantenservice.domain.emergency_reports import ReportVia
from klantenservice.domain.errors import NotFound, ValidationError
from klantenservice.domain.events import CaseEvent, DomainEvent
from klantenservice.domain.messages import Message, check_body
from klantenservice.domain.promise_clocks import customer_message_moves_clocks
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
from klantenservice.services import access, emergency_intake
from klantenservice.services.emergency import Acknowledge, kind_of, report_and_acknowledge
from klantenservice.services.incident_intake import apply_incidents
from klantenservice.services.intake_routing import BatchState
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import refresh_projection

CONVERSATIONAL = frozenset({Channel.CHAT, Channel.WHATSAPP, Channel.SMS})
EMERGENCY_QUEUE = "emergency"
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
    # The sender asked for a new case (the portal's "new question" form): no threading.
    new_case: bool = False
    # The emergency lane (services/emergency.py): how the report came in when the sender knows
    # (SOS form, IVR option, emergency number), and the customer's card-block request.
    emergency_via: ReportVia | None = None
    # what emergency recognition found before the writer (services/emergency_intake.py)
    detected_kind: EmergencyKind | None = None
    card_last_four: str | None = None
    block_card: bool = False


@dataclass(frozen=True, slots=True)
class IntakeOptions:
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    reopen_window: timedelta = timedelta(days=7)
    auto_assign: bool = True
    default_queue: str = "general"
    # the emergency acknowledgement (domain/emergency.acknowledgement)
    timezone: str = "Europe/Amsterdam"
    emergency_number: str = ""
    sos_url: str = ""
    # read messages for emergencies here; off in the process writer's child, whose parent
    # reads them before handing the batch over (adapters/writer_process.py)
    recognise: bool = True
    # where emergency references draw their random bits (the demo passes a seeded one)
    reference_bytes: Callable[[int], bytes] = secrets.token_bytes


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
    emergency_reference: str | None = None  # a new emergency report's, quoted to the customer
    reported_at: datetime | None = None  # its time of receipt, to the second


def check_inbound(inbound: InboundMessage) -> None:
    """What can be refused before any transaction starts."""
    check_body(inbound.body)
    if inbound.channel is Channel.INTERNAL_NOTE:
        raise ValidationError("internal notes are not inbound messages; use the notes endpoint")
    if inbound.new_case and inbound.case_reference:
        raise ValidationError("a message either opens a new case or refers to one, not both")
    if inbound.case_reference and parse_reference(inbound.case_reference) is None:
        raise ValidationError(
            f"case reference {inbound.case_reference!r} is not of the form KS-000123"
        )


def receive_one(
    uow: UnitOfWork, actor: Actor, inbound: InboundMessage, state: BatchState
) -> IntakeResult:
    now, options = state.now, state.options
    stored = already_stored(uow, inbound)
    if stored is not None:
        return stored
    signal = None
    if options.recognise:  # on every channel (else done before the batch came: see the field)
        inbound, signal = emergency_intake.recognise(inbound)
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
    awaiting_before = case.awaiting_reply_since
    case, more = case.record_customer_message(at=now, message_id=message.id)
    events.extend(more)
    raised = not created and emergency_intake.raises(inbound, case)
    if raised:  # a just-opened case becomes an emergency (emergency_intake.keep_apart)
        case, more = emergency_intake.escalate(uow, case, now)
        events.extend(more)
    case = apply_incidents(uow, actor, case, events, created=created, state=state)
    uow.cases.update(case, at=now)
    uow.cases.add_events(case.id, events)
    _audit(uow, actor, case, message.id, created=created, reopened=reopened, state=state)
    report = None
    if (created or raised) and case.priority is Priority.EMERGENCY:
        options = state.options
        report = report_and_acknowledge(
            uow,
            actor,
            case=case,
            channel=inbound.channel,
            via=inbound.emergency_via or ReportVia.MARKED,
            kind=signal.kind if signal else inbound.detected_kind or kind_of(inbound.category),
            now=now,
            emit=state.outbox.append,
            card_last_four=inbound.card_last_four,
            block_card=inbound.block_card,
            acknowledge=Acknowledge(options.timezone, options.emergency_number, options.sos_url),
            random_bytes=options.reference_bytes,
        )
    outcome_agent: AgentId | None = None
    reasons: tuple[str, ...] = ()
    if options.auto_assign:
        outcome = state.route(uow, actor, case)
        case, outcome_agent, reasons = outcome.case, outcome.agent_id, outcome.reasons
    if created or customer_message_moves_clocks(awaiting_before, events):
        due_at = refresh_projection(uow, case, now, history=events if created else None).next_due_at
    else:
        due_at = uow.cases.promise_due_at(case.id)
    return IntakeResult(
        message_id=message.id,
        case_id=case.id,
        customer_id=case.customer_id,
        case_created=created,
        reopened=reopened,
        assigned_agent_id=outcome_agent,
        routing=reasons,
        promise_due_at=due_at,
        emergency_reference=report.reference if report else None,
        reported_at=report.reported_at if report else None,
    )


def already_stored(uow: UnitOfWork, inbound: InboundMessage) -> IntakeResult | None:
    if inbound.external_id is None:
        return None
    message = uow.messages.by_external_id(inbound.channel, inbound.external_id)
    if message is None:
        return None
    case = uow.cases.get(message.case_id)
    assert case is not None and message.id is not None
    report = None  # a repeated emergency report answers with the first one's reference
    if case.priority is Priority.EMERGENCY:
        report = next(iter(uow.emergencies.reports_for_case(case.id)), None)
    return IntakeResult(
        message_id=message.id,
        case_id=case.id,
        customer_id=case.customer_id,
        duplicate=True,
        assigned_agent_id=case.assignee_id,
        emergency_reference=report.reference if report else None,
        reported_at=report.reported_at if report else None,
    )


def _resolve_customer(
    uow: UnitOfWork, actor: Actor, inbound: InboundMessage, now: datetime
) -> CustomerRef:
    if inbound.customer_id is not None:
        customer = access.get_customer_for(uow, actor, inbound.customer_id)
        if customer.merged_into is not None:  # an agent merged it (services/customer_matching)
            customer = access.get_customer_for(uow, actor, customer.merged_into)
        return customer.ref()
    if inbound.contact is None:
        raise ValidationError("an inbound message needs a customer_id or a contact point")
    known = uow.customers.ref_by_contact(inbound.contact)
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
    return customer.ref()


Threaded = tuple[Case, list[CaseEvent], bool, bool]


def _thread(
    uow: UnitOfWork,
    customer: CustomerRef,
    inbound: InboundMessage,
    now: datetime,
    options: IntakeOptions,
) -> Threaded:
    if inbound.new_case:
        return _new_case(uow, customer, inbound, now, options, linked_to=None)
    case = _referenced_case(uow, customer.id, inbound.case_reference)
    if case is None:
        case = uow.cases.latest_for_customer(customer.id, for_update=True)
        if case is not None and not _continues(case, inbound.channel, now, options):
            return _new_case(uow, customer, inbound, now, options, linked_to=None)
    if case is None:
        return _new_case(uow, customer, inbound, now, options, linked_to=None)
    disposition = case.disposition_of_reply(at=now, reopen_window=options.reopen_window)
    # an emergency on a case that has moved on gets its own case, clock and report, linked
    apart = emergency_intake.keep_apart(inbound, case)
    if apart or disposition is ReplyDisposition.NEW_LINKED_CASE:
        return _new_case(uow, customer, inbound, now, options, linked_to=case.id)
    if disposition is ReplyDisposition.REOPEN:
        reopened, events = case.reopen(at=now)
        return reopened, events, False, True
    return case, [], False, False  # locked by _referenced_case or latest_for_customer


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
    if case_id is None:  # check_inbound refused it already; kept for direct callers
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
    customer: CustomerRef,
    inbound: InboundMessage,
    now: datetime,
    options: IntakeOptions,
    *,
    linked_to: CaseId | None,
) -> Threaded:
    priority = inbound.priority or Priority.NORMAL
    queue = uow.directory.queue_by_name(inbound.queue or options.default_queue)
    if inbound.queue is None and priority is Priority.EMERGENCY:
        # the emergency lane runs on a 24/7 calendar; office hours must not pause its clock
        queue = uow.directory.queue_by_name(EMERGENCY_QUEUE) or queue
    if queue is None and inbound.queue:
        raise NotFound(f"no queue named {inbound.queue!r}")
    skills = inbound.required_skills
    if priority is Priority.EMERGENCY:  # the lane's agents hold the fraud certification
        skills = skills | {EMERGENCY_SKILL}
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
        required_skills=skills,
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
    state: BatchState,
) -> None:
    now = state.now
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
    state.outbox.append(DomainEvent("message.received", payload, now))
    if created:
        state.outbox.append(DomainEvent("case.created", {"case_id": case.id}, now))
