"""The read side for lists and detail panes: one permission-checked read per function.

Reads that change nothing and show no customer record (case lists, promise clocks, a case's
timeline, the agent roster) live here; reads that show a customer's record are in the
services that audit them (``customers.view_customer``, ``cases.view_case``,
``messages.case_messages``). Every function takes a fresh, preferably read-only, unit of
work and checks the actor's permission before it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from klantenservice.domain.agents import Agent
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import (
    AgentId,
    CaseId,
    Channel,
    CustomerId,
    Language,
    Priority,
    QueueId,
    UserId,
)
from klantenservice.services import access
from klantenservice.services.ports import Actor, Page, UnitOfWork
from klantenservice.services.promises import PromiseStatus, evaluate


@dataclass(frozen=True, slots=True)
class CaseFilters:
    """Filters of the case list; None leaves a filter off. All given filters must match."""

    status: CaseStatus | None = None
    channel: Channel | None = None
    queue_id: QueueId | None = None
    assignee_id: AgentId | None = None
    customer_id: CustomerId | None = None
    language: Language | None = None
    priority: Priority | None = None
    category: str | None = None
    unassigned: bool = False
    promise_state: str | None = None  # running | warning | paused | breached

    def as_mapping(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "status": self.status,
            "channel": self.channel,
            "queue_id": self.queue_id,
            "assignee_id": self.assignee_id,
            "customer_id": self.customer_id,
            "language": self.language,
            "priority": None if self.priority is None else int(self.priority),
            "category": self.category,
            "unassigned": self.unassigned,
            "promise_state": self.promise_state,
        }
        return {name: value for name, value in values.items() if value not in (None, False)}


def list_cases(
    uow: UnitOfWork, *, actor: Actor, after: int, limit: int, filters: CaseFilters
) -> Page:
    """Cases in id order (keyset pagination); a list shows no customer record, so no audit."""
    access.check(actor, Permission.CASE_READ)
    with uow:
        return uow.cases.list(after=after, limit=limit, filters=filters.as_mapping())


def case_promises(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, now: datetime
) -> PromiseStatus:
    """Where each promise clock of the case stands at ``now``, and why."""
    access.check(actor, Permission.PROMISE_READ)
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        return evaluate(uow, case, now)


def case_history(uow: UnitOfWork, *, actor: Actor, case_id: CaseId) -> list[CaseEvent]:
    """The case's own event history, oldest first (merged cases keep their own)."""
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        return uow.cases.history([case.id])


def list_agents(uow: UnitOfWork, *, actor: Actor) -> list[Agent]:
    """The roster: who works which queues, with which skills and presence."""
    access.check(actor, Permission.CASE_READ)
    with uow:
        return uow.agents.list()


def agent_of_user(uow: UnitOfWork, *, actor: Actor, user_id: UserId) -> Agent | None:
    """The agent profile of a staff account, if it has one (for administrators)."""
    access.check(actor, Permission.STAFF_MANAGE)
    with uow:
        return uow.agents.by_user(user_id)
