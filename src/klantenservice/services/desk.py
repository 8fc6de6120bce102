"""What the agent desk shows: the signed-in agent's profile, the inbox page, the case page.

Each function is one permission-checked transaction. The inbox and the case page show
customers' names (and the case page their messages), so, as ``customers.list_customers`` does,
every customer shown is written to the audit trail (``customer.viewed``, ``via`` inbox or
case) in the same transaction: who saw which customer stays answerable (GDPR art. 5(2)).

Promise clocks are evaluated at ``now`` from each case's history (``promises.evaluate``), not
read from the stored projection, so the desk shows where a clock stands this minute and why.
The "promise" filter itself uses the stored projection (``promise_state``), which the promise
sweeper keeps current.

Known cost (see docs/subsystems/desk.md): a page of N cases reads each distinct customer and
each case's history separately (about 3N small indexed queries). A repository method that
returns the page with customer names and projections in one query would remove that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.cases import Case
from klantenservice.domain.messages import Message
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import AgentId, CaseId, CustomerId
from klantenservice.services import access
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import PromiseStatus, evaluate
from klantenservice.services.queries import CaseFilters

CASE_PAGE_MESSAGES = 200


@dataclass(frozen=True, slots=True)
class DeskProfile:
    """The signed-in person's agent profile (None for staff without one) and the queues."""

    agent: Agent | None
    queues: tuple[Queue, ...]

    @property
    def own_queues(self) -> tuple[Queue, ...]:
        mine = self.agent.queue_ids if self.agent is not None else frozenset()
        return tuple(q for q in self.queues if q.id in mine)


@dataclass(frozen=True, slots=True)
class InboxRow:
    case: Case
    customer_name: str
    assignee_name: str | None
    promise: PromiseStatus


@dataclass(frozen=True, slots=True)
class InboxPage:
    rows: tuple[InboxRow, ...]
    next_after: int | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    message: Message
    author: str | None  # the agent's name for agent messages, else None


@dataclass(frozen=True, slots=True)
class CasePage:
    case: Case
    customer_name: str
    assignee_name: str | None
    queue_name: str | None
    promise: PromiseStatus
    merged_from: tuple[CaseId, ...]
    timeline: tuple[TimelineEntry, ...]
    more_messages: bool


def desk_profile(uow: UnitOfWork, *, actor: Actor) -> DeskProfile:
    """The actor's own agent profile (presence, queues) and the queues to filter by."""
    access.check(actor, Permission.CASE_READ)
    with uow:
        agent = None if actor.agent_id is None else uow.agents.get(actor.agent_id)
        queues = tuple(sorted(uow.directory.queues(), key=lambda q: q.id or 0))
        return DeskProfile(agent, queues)


def inbox_page(
    uow: UnitOfWork,
    *,
    actor: Actor,
    filters: CaseFilters,
    after: int,
    limit: int,
    now: datetime,
) -> InboxPage:
    """One keyset page of cases with customer, assignee and promise; customers shown audited."""
    access.check(actor, Permission.CASE_READ)
    access.check(actor, Permission.CUSTOMER_READ)
    with uow:
        page = uow.cases.list(after=after, limit=limit, filters=filters.as_mapping())
        cases: Sequence[Case] = page.items
        names = _customer_names(uow, [c.customer_id for c in cases])
        agents = _agent_names(uow)
        rows = tuple(
            InboxRow(
                case=case,
                customer_name=names.get(case.customer_id, ""),
                assignee_name=_name_of(agents, case.assignee_id),
                promise=evaluate(uow, case, now),
            )
            for case in cases
        )
        for customer_id in names:
            access.record_customer_view(uow, actor, customer_id, at=now, via="desk:inbox")
        uow.commit()
        return InboxPage(rows, page.next_after)


def case_page(uow: UnitOfWork, *, actor: Actor, case_id: CaseId, now: datetime) -> CasePage:
    """A case with its customer, promise clocks and messages (oldest first); audited once."""
    access.check(actor, Permission.CUSTOMER_READ)
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        merged = tuple(uow.cases.merged_into(case.id))
        messages = uow.messages.for_cases([case.id, *merged], after=0, limit=CASE_PAGE_MESSAGES)
        agents = _agent_names(uow)
        queue = None if case.queue_id is None else uow.directory.get_queue(case.queue_id)
        timeline = tuple(
            TimelineEntry(m, _name_of(agents, m.author_agent_id)) for m in messages.items
        )
        customer = uow.customers.get(case.customer_id)
        access.record_customer_view(
            uow, actor, case.customer_id, at=now, via=f"desk:case:{case.id}"
        )
        result = CasePage(
            case=case,
            customer_name="" if customer is None else customer.name,
            assignee_name=_name_of(agents, case.assignee_id),
            queue_name=None if queue is None else queue.name,
            promise=evaluate(uow, case, now),
            merged_from=merged,
            timeline=timeline,
            more_messages=messages.next_after is not None,
        )
        uow.commit()
        return result


def _customer_names(uow: UnitOfWork, ids: Sequence[CustomerId]) -> dict[CustomerId, str]:
    names: dict[CustomerId, str] = {}
    for customer_id in dict.fromkeys(ids):
        customer = uow.customers.get(customer_id)
        if customer is not None:
            names[customer_id] = customer.name
    return names


def _agent_names(uow: UnitOfWork) -> dict[AgentId, str]:
    return {a.id: a.name for a in uow.agents.list() if a.id is not None}


def _name_of(names: dict[AgentId, str], agent_id: AgentId | None) -> str | None:
    return None if agent_id is None else names.get(agent_id, f"#{agent_id}")
