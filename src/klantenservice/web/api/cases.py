"""Cases: list, open, view, change, assign, take next, merge, promises and history.

Messages, replies and notes of a case are in ``api/messages.py``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.promises import ClockState
from klantenservice.domain.vocabulary import (
    AgentId,
    CaseId,
    Channel,
    CustomerId,
    Language,
    QueueId,
)
from klantenservice.services import case_intake, cases, queries
from klantenservice.services.cases import CaseEdit
from klantenservice.web.deps import Context, CurrentActor, Now, Paging, Uow
from klantenservice.web.schemas.cases import (
    AssignIn,
    CaseDetailOut,
    CaseIn,
    CaseOut,
    CasePatch,
    EventOut,
    MergeIn,
    NextCaseOut,
    PromisesOut,
)
from klantenservice.web.schemas.common import PageOut, PriorityName, priority_of

router = APIRouter(prefix="/cases", tags=["cases"])


async def _filters(
    status: CaseStatus | None = None,
    channel: Channel | None = None,
    queue_id: int | None = None,
    assignee_id: int | None = None,
    customer_id: int | None = None,
    language: Language | None = None,
    priority: PriorityName | None = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    unassigned: bool = False,
    promise_state: ClockState | None = None,
) -> queries.CaseFilters:
    return queries.CaseFilters(
        status=status,
        channel=channel,
        queue_id=None if queue_id is None else QueueId(queue_id),
        assignee_id=None if assignee_id is None else AgentId(assignee_id),
        customer_id=None if customer_id is None else CustomerId(customer_id),
        language=language,
        priority=None if priority is None else priority_of(priority),
        category=category,
        unassigned=unassigned,
        promise_state=None if promise_state is None else promise_state.value,
    )


Filters = Annotated[queries.CaseFilters, Depends(_filters)]


@router.get("")
def list_cases(actor: CurrentActor, uow: Uow, page: Paging, filters: Filters) -> PageOut[CaseOut]:
    """Cases in id order, filtered; pass ``next_after`` as ``after`` for the next page."""
    found = queries.list_cases(
        uow(read_only=True), actor=actor, after=page.after, limit=page.limit, filters=filters
    )
    return PageOut(items=[CaseOut.of(c) for c in found.items], next_after=found.next_after)


@router.post("", status_code=status.HTTP_201_CREATED)
def open_case(body: CaseIn, actor: CurrentActor, uow: Uow, now: Now) -> CaseOut:
    """Open a case for a customer without an inbound message (a call, a visit, a letter)."""
    new = case_intake.NewCase(
        customer_id=CustomerId(body.customer_id),
        subject=body.subject,
        channel=body.channel,
        priority=priority_of(body.priority),
        language=body.language,
        queue_id=None if body.queue_id is None else QueueId(body.queue_id),
        category=body.category,
        tags=frozenset(body.tags),
        required_skills=frozenset(body.required_skills),
    )
    case = case_intake.open_case_for_customer(
        uow(), actor=actor, new=new, now=now, assign_to_me=body.assign_to_me
    )
    return CaseOut.of(case)


@router.post(
    "/next",
    response_model=NextCaseOut,
    responses={204: {"description": "no case is waiting that this agent may take"}},
)
def take_next(actor: CurrentActor, uow: Uow, now: Now, context: Context) -> NextCaseOut | Response:
    """Assign the best waiting case to the calling agent ("next case" button)."""
    taken = cases.take_next_case(uow(), actor=actor, now=now, policy=context.intake.routing)
    if taken is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    case, reasons = taken
    return NextCaseOut(case=CaseOut.of(case), reasons=list(reasons))


@router.get("/{case_id}")
def view_case(case_id: int, actor: CurrentActor, uow: Uow, now: Now) -> CaseDetailOut:
    """The case with its promise clocks (explained) and the cases merged into it (audited)."""
    view = cases.view_case(uow(), actor=actor, case_id=CaseId(case_id), now=now)
    return CaseDetailOut.of_view(view)


@router.patch("/{case_id}")
def change_case(case_id: int, body: CasePatch, actor: CurrentActor, uow: Uow, now: Now) -> CaseOut:
    """Change attributes, then priority, then status; each is its own audited transaction."""
    cid = CaseId(case_id)
    edit = CaseEdit(
        category=body.category,
        add_tags=frozenset(body.add_tags),
        remove_tags=frozenset(body.remove_tags),
        queue_id=None if body.queue_id is None else QueueId(body.queue_id),
    )
    case = None
    if edit != CaseEdit():
        case = cases.edit_case(uow(), actor=actor, case_id=cid, edit=edit, now=now)
    if body.priority is not None:
        priority = priority_of(body.priority)
        case = cases.change_priority(uow(), actor=actor, case_id=cid, priority=priority, now=now)
    if body.status is not None:
        case = cases.change_status(uow(), actor=actor, case_id=cid, status=body.status, now=now)
    if case is None:
        raise ValidationError("nothing to change: give status, priority, category, tags or queue")
    return CaseOut.of(case)


@router.post("/{case_id}/assign")
def assign(case_id: int, body: AssignIn, actor: CurrentActor, uow: Uow, now: Now) -> CaseOut:
    """Assign to an agent: yourself as an agent, anyone as a supervisor (capacity checked)."""
    case = cases.assign_case(
        uow(),
        actor=actor,
        case_id=CaseId(case_id),
        agent_id=AgentId(body.agent_id),
        now=now,
        override_capacity=body.override_capacity,
    )
    return CaseOut.of(case)


@router.post("/{case_id}/unassign")
def unassign(case_id: int, actor: CurrentActor, uow: Uow, now: Now) -> CaseOut:
    """Put the case back in its queue."""
    return CaseOut.of(cases.unassign_case(uow(), actor=actor, case_id=CaseId(case_id), now=now))


@router.post("/{case_id}/merge")
def merge(case_id: int, body: MergeIn, actor: CurrentActor, uow: Uow, now: Now) -> CaseOut:
    """Merge ``source_id`` into this case: the source closes, both histories stay readable."""
    case = cases.merge_cases(
        uow(), actor=actor, target_id=CaseId(case_id), source_id=CaseId(body.source_id), now=now
    )
    return CaseOut.of(case)


@router.get("/{case_id}/promises")
def promises(case_id: int, actor: CurrentActor, uow: Uow, now: Now) -> PromisesOut:
    """Each promise clock: state, working seconds used and left, due instant, and why."""
    status_ = queries.case_promises(
        uow(read_only=True), actor=actor, case_id=CaseId(case_id), now=now
    )
    return PromisesOut.of(status_)


@router.get("/{case_id}/history")
def history(case_id: int, actor: CurrentActor, uow: Uow) -> list[EventOut]:
    """The case's events, oldest first: the facts its clocks are computed from."""
    events = queries.case_history(uow(read_only=True), actor=actor, case_id=CaseId(case_id))
    return [EventOut.of(e) for e in events]
