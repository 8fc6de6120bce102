"""What the agent desk shows: the signed-in agent's profile and the inbox page.

Each function checks permissions, then reads in one transaction. The inbox shows customers'
names, so, as ``customers.list_customers`` does, every customer shown is written to the audit trail
(``customer.viewed``, ``via`` inbox) before the page is returned: who saw which customer stays
answerable (GDPR art. 5(2)). The case page is ``services/case_view.py``.

Promise clocks are evaluated at ``now`` from each case's history (``promises.evaluate``), not
read from the stored projection, so the desk shows where a clock stands this minute and why.
The "promise" filter itself uses the stored projection (``promise_state``), which the promise
sweeper keeps current.

The inbox page costs the same whatever its length and the size of the store: three indexed
queries read the page, its customers' names and the histories (``uow.inbox``, see
``services/desk_reads.py``), one reads the agents' names, and the clocks are evaluated in
memory. It reads in a read-only transaction and then writes the audit records in a short
write transaction of their own: on SQLite a write transaction holds the one writer lock of
the database, which the intake would otherwise wait for during the whole page. The page is
returned only after the audit records committed, so nothing is shown unaudited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.cases import Case
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import AgentId
from klantenservice.services import access
from klantenservice.services.ports import Actor, UnitOfWork, UnitOfWorkFactory
from klantenservice.services.promises import PromiseStatus, evaluate
from klantenservice.services.queries import CaseFilters


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


def desk_profile(uow: UnitOfWork, *, actor: Actor) -> DeskProfile:
    """The actor's own agent profile (presence, queues) and the queues to filter by."""
    access.check(actor, Permission.CASE_READ)
    with uow:
        agent = None if actor.agent_id is None else uow.agents.get(actor.agent_id)
        queues = tuple(sorted(uow.directory.queues(), key=lambda q: q.id or 0))
        return DeskProfile(agent, queues)


def inbox_page(
    uows: UnitOfWorkFactory,
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
    with uows(read_only=True) as uow:
        page = uow.inbox.page(after=after, limit=limit, filters=filters.as_mapping())
        agents = _agent_names(uow)
        rows = tuple(
            InboxRow(
                case=case,
                customer_name=page.customer_names.get(case.customer_id, ""),
                assignee_name=_name_of(agents, case.assignee_id),
                promise=evaluate(uow, case, now, page.histories.get(case.id, ())),
            )
            for case in page.cases
        )
    if page.customer_names:
        with uows() as uow:
            for customer_id in page.customer_names:
                access.record_customer_view(uow, actor, customer_id, at=now, via="desk:inbox")
            uow.commit()
    return InboxPage(rows, page.next_after)


def _agent_names(uow: UnitOfWork) -> dict[AgentId, str]:
    return {a.id: a.name for a in uow.agents.list() if a.id is not None}


def _name_of(names: dict[AgentId, str], agent_id: AgentId | None) -> str | None:
    return None if agent_id is None else names.get(agent_id, f"#{agent_id}")
