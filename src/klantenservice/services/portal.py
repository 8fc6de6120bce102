"""The customer portal's use cases: my cases, one case, a reply, a new question.

**Only their own cases.** Every read and write starts with ``_own_case``: an unknown case id is
``NotFound`` (404); a case of another customer is ``CaseNotYours`` (403, as the issue asks),
whose message names nothing of that case, and the attempt is written to the audit trail
(``portal.case_refused``). A case merged into another one forwards to it (also only if that
one is the customer's). The routes cannot skip this: they have no other way to a case.

**Only what the customer may see.** Messages between the customer and the bank
(``domain/portal.visible_to_customer``, filtered in the query as well); the status in
customer words; never notes, assignee, queue, priority, tags or promise clocks.

**Writes go through the intake.** A reply and a new question are inbound messages on the
``web_form`` channel, stored by ``services/inbound.receive_message``: threading and the reopen
rule (a reply on a closed case opens a new case linked to it), routing, promise clocks, audit
and outbox work as for any channel. The message's channel says where it was written; the case
keeps its own channel (an e-mail case answered in the portal stays an e-mail case, and the
agent's answer still goes out by e-mail). The form's one-time ``submission`` id is the
message's external id (``portal:<customer>:<submission>``), so a double submit stores one
message: the intake's ``UNIQUE(channel, external_id)`` answers the second with the first.

The intake needs an actor allowed to post inbound messages: the portal acts as the
``web_form`` channel's integration on the customer's behalf (``_intake_actor``), named in the
audit trail as the customer. That actor never leaves this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.cases import Case, format_reference
from klantenservice.domain.errors import NotFound, PermissionDenied
from klantenservice.domain.messages import Message
from klantenservice.domain.portal import (
    CustomerStatus,
    FormRejected,
    PortalCategory,
    body_problems,
    clean_subject,
    customer_status,
    form_problems,
    parse_category,
    submission_problems,
    visible_to_customer,
)
from klantenservice.domain.vocabulary import (
    AuthorKind,
    CaseId,
    Channel,
    Direction,
    Language,
    MessageId,
    Role,
)
from klantenservice.services.inbound import (
    InboundMessage,
    IntakeOptions,
    IntakeResult,
    receive_message,
)
from klantenservice.services.portal_auth import PortalCustomer
from klantenservice.services.ports import Actor, UnitOfWork, UnitOfWorkFactory

CASES_SHOWN = 100
MESSAGES_SHOWN = 200
MAX_MERGE_HOPS = 10


class CaseNotYours(PermissionDenied):
    """A case of another customer: 403, and nothing about that case in the message."""

    code = "not_your_case"


@dataclass(frozen=True, slots=True)
class CaseSummary:
    case_id: CaseId
    reference: str
    subject: str
    status: CustomerStatus
    channel: Channel
    opened_at: datetime
    last_activity: datetime


@dataclass(frozen=True, slots=True)
class VisibleMessage:
    id: MessageId
    from_customer: bool
    author: AuthorKind
    channel: Channel
    subject: str | None
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: CaseSummary
    messages: tuple[VisibleMessage, ...]
    older_not_shown: bool
    closed: bool  # a reply opens a new case, linked to this one


@dataclass(frozen=True, slots=True)
class Written:
    """Where a reply or new question landed."""

    case_id: CaseId
    reference: str
    at: datetime
    new_case: bool  # a new case was opened (a new question, or a reply on a closed case)
    duplicate: bool  # the same form was sent before: nothing new was stored
    emergency: bool = False


def my_cases(uow: UnitOfWork, *, customer: PortalCustomer) -> list[CaseSummary]:
    """The customer's newest cases, newest first; merged cases show as the case they joined."""
    with uow:
        cases = uow.portal.cases_of(customer.customer_id, limit=CASES_SHOWN)
        activity = uow.portal.last_activity([case.id for case in cases])
        merged: dict[CaseId, list[CaseId]] = {}
        for case in cases:
            if case.merged_into is not None:
                merged.setdefault(case.merged_into, []).append(case.id)
        return [
            _summary(case, activity, merged.get(case.id, []))
            for case in cases
            if case.merged_into is None
        ]


def my_case(
    uows: UnitOfWorkFactory, *, customer: PortalCustomer, case_id: CaseId, now: datetime
) -> CaseDetail:
    """One of the customer's cases with its conversation (newest ``MESSAGES_SHOWN``)."""
    with _refusals_audited(uows, customer, case_id, now), uows(read_only=True) as uow:
        case = _own_case(uow, customer, case_id)
        ids = [case.id, *uow.cases.merged_into(case.id)]
        activity = uow.portal.last_activity(ids)
        found = uow.portal.visible_messages(ids, limit=MESSAGES_SHOWN + 1)
        shown = [m for m in found[-MESSAGES_SHOWN:] if visible_to_customer(m)]
        return CaseDetail(
            case=_summary(case, activity, ids[1:]),
            messages=tuple(_visible(m) for m in shown),
            older_not_shown=len(found) > MESSAGES_SHOWN,
            closed=customer_status(case.status) is CustomerStatus.CLOSED,
        )


def reply(
    uows: UnitOfWorkFactory,
    *,
    customer: PortalCustomer,
    case_id: CaseId,
    body: str,
    submission: str,
    now: datetime,
    options: IntakeOptions,
) -> Written:
    """The customer's message on their case, through the intake (reopen rules apply)."""
    problems = body_problems(body) + submission_problems(submission)
    if problems:
        raise FormRejected(problems)
    with _refusals_audited(uows, customer, case_id, now), uows(read_only=True) as uow:
        case = _own_case(uow, customer, case_id)
    inbound = InboundMessage(
        channel=Channel.WEB_FORM,
        body=body,
        external_id=_external_id(customer, submission),
        customer_id=customer.customer_id,
        case_reference=case.reference,
    )
    result = receive_message(
        uows, actor=_intake_actor(customer), inbound=inbound, now=now, options=options
    )
    return _written(result, now, new_case=result.case_id != case.id)


def ask_question(
    uows: UnitOfWorkFactory,
    *,
    customer: PortalCustomer,
    category: str,
    subject: str,
    body: str,
    submission: str,
    language: Language,
    now: datetime,
    options: IntakeOptions,
) -> Written:
    """The web form: a new case with the customer's subject, category and message."""
    problems = form_problems(category=category, subject=subject, body=body, submission=submission)
    chosen = parse_category(category)
    if problems or chosen is None:
        raise FormRejected(problems)
    inbound = InboundMessage(
        channel=Channel.WEB_FORM,
        body=body,
        external_id=_external_id(customer, submission),
        customer_id=customer.customer_id,
        subject=clean_subject(subject),
        category=chosen.value,
        priority=chosen.priority,
        language=language,
        new_case=True,
    )
    result = receive_message(
        uows, actor=_intake_actor(customer), inbound=inbound, now=now, options=options
    )
    emergency = chosen is PortalCategory.FRAUD
    return _written(result, now, new_case=True, emergency=emergency)


# -- the one way to a case ------------------------------------------------------------------


@contextmanager
def _refusals_audited(
    uows: UnitOfWorkFactory, customer: PortalCustomer, case_id: CaseId, now: datetime
) -> Iterator[None]:
    """Write an attempt on another customer's case to the audit trail, then refuse it."""
    try:
        yield
    except CaseNotYours:
        with uows() as uow:
            uow.audit.record(
                actor=customer.actor,
                action="portal.case_refused",
                subject_type="case",
                subject_id=case_id,
                at=now,
                details={},
            )
            uow.commit()
        raise


def _own_case(uow: UnitOfWork, customer: PortalCustomer, case_id: CaseId) -> Case:
    """The customer's case (following merges); NotFound if unknown, CaseNotYours if not theirs."""
    for _ in range(MAX_MERGE_HOPS):
        case = uow.cases.get(case_id)
        if case is None:
            raise NotFound(f"there is no case {format_reference(case_id)}")
        if case.customer_id != customer.customer_id:
            raise CaseNotYours("this case belongs to someone else; you can only see your own")
        if case.merged_into is None:
            return case
        case_id = case.merged_into
    raise NotFound(f"case {format_reference(case_id)} cannot be shown; please contact us")


def _summary(case: Case, activity: dict[CaseId, datetime], merged: list[CaseId]) -> CaseSummary:
    instants = [activity[i] for i in (case.id, *merged) if i in activity]
    return CaseSummary(
        case_id=case.id,
        reference=case.reference,
        subject=case.subject,
        status=customer_status(case.status),
        channel=case.channel,
        opened_at=case.created_at,
        last_activity=max(instants, default=case.created_at),
    )


def _visible(message: Message) -> VisibleMessage:
    assert message.id is not None
    return VisibleMessage(
        id=message.id,
        from_customer=message.direction is Direction.INBOUND,
        author=message.author_kind,
        channel=message.channel,
        subject=message.subject,
        body=message.body,
        at=message.created_at,
    )


def _intake_actor(customer: PortalCustomer) -> Actor:
    """The web-form channel's integration, acting for this customer (intake only)."""
    return Actor(
        kind="customer",
        id=int(customer.customer_id),
        roles=frozenset({Role.INTEGRATION}),
        name="portal",
    )


def _external_id(customer: PortalCustomer, submission: str) -> str:
    return f"portal:{customer.customer_id}:{submission}"


def _written(
    result: IntakeResult, now: datetime, *, new_case: bool, emergency: bool = False
) -> Written:
    return Written(
        case_id=result.case_id,
        reference=format_reference(result.case_id),
        at=now,
        new_case=new_case and not result.duplicate,
        duplicate=result.duplicate,
        emergency=emergency,
    )
