"""Assigning cases to agents: safe under concurrency, explained, audited.

The order of locks is always case row, then agent row, then (at commit) the audit head, so
concurrent assignments cannot deadlock. With the case row locked nobody else can assign it;
with the agent row locked nobody else can fill the agent's last free slot while we count.
On SQLite the write transaction (``BEGIN IMMEDIATE``) serialises the same steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.agents import Agent
from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.errors import Conflict, InvalidTransition, NotFound
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.routing import (
    AgentSnapshot,
    Assignment,
    RoutingPolicy,
    WorkItem,
    best_agent_for,
)
from klantenservice.domain.vocabulary import AgentId, Channel, QueueId
from klantenservice.services.ports import Actor, UnitOfWork


@dataclass(frozen=True, slots=True)
class RoutingOutcome:
    case: Case
    agent_id: AgentId | None
    reasons: tuple[str, ...]
    assigned_now: bool = False  # this call assigned it (not: it already had an assignee)
    nobody_eligible: bool = False  # no agent could take it (not: lost a race for a slot)


def work_item(uow: UnitOfWork, case: Case, now: datetime) -> WorkItem:
    queue = uow.directory.get_queue(case.queue_id) if case.queue_id is not None else None
    skills = case.required_skills | (queue.required_skills if queue else frozenset())
    return WorkItem(
        case_id=case.id,
        queue_id=case.queue_id or QueueId(0),
        channel=case.channel,
        priority=case.priority,
        language=case.language.value,
        required_skills=skills,
        waiting_since=case.waiting_since or case.created_at,
    )


def check_capacity(uow: UnitOfWork, case: Case, agent_id: AgentId, *, enforce: bool) -> None:
    """Lock the agent and verify a free slot on the case's channel."""
    agent = uow.agents.get(agent_id, for_update=True)
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}")
    if not enforce:
        return
    capacity = agent.capacity.get(case.channel, 0)
    load = uow.agents.load(agent_id).get(case.channel, 0)
    if load >= capacity:
        raise Conflict(
            f"agent {agent.name} has no free {case.channel.value} capacity ({load}/{capacity})"
        )


def apply_assignment(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    agent_id: AgentId,
    *,
    now: datetime,
    reasons: tuple[str, ...],
    enforce_capacity: bool = True,
) -> Case:
    """Assign a locked ``case`` to ``agent_id`` inside the caller's transaction."""
    if case.status is CaseStatus.CLOSED:
        raise InvalidTransition(f"case {case.reference} is closed and cannot be assigned")
    if case.assignee_id == agent_id:
        return case
    check_capacity(uow, case, agent_id, enforce=enforce_capacity)
    assigned, events = case.assign(agent_id, at=now)
    if case.status is CaseStatus.NEW:
        assigned, opened = assigned.change_status(CaseStatus.OPEN, at=now)
        events.extend(opened)
    uow.cases.update(assigned, at=now)
    uow.cases.add_events(case.id, events)
    uow.agents.mark_assigned(agent_id, at=now)
    uow.audit.record(
        actor=actor,
        action="case.assigned",
        subject_type="case",
        subject_id=case.id,
        at=now,
        details={"agent_id": agent_id, "previous": case.assignee_id, "why": list(reasons)},
    )
    uow.outbox.add(DomainEvent("case.assigned", {"case_id": case.id, "agent_id": agent_id}, now))
    return assigned


def routing_policy(relax_after_minutes: int, reserved_emergency_agents: int = 0) -> RoutingPolicy:
    return RoutingPolicy(
        relax_after=timedelta(minutes=relax_after_minutes),
        reserved_emergency_agents=reserved_emergency_agents,
    )


def snapshot_of(agent: Agent, load: dict[Channel, int]) -> AgentSnapshot:
    assert agent.id is not None
    return AgentSnapshot(
        agent_id=agent.id,
        name=agent.name,
        presence=agent.presence,
        languages=agent.languages,
        skills=agent.skills,
        queue_ids=agent.queue_ids,
        capacity=agent.capacity,
        load=load,
    )


NOT_WAITING = "not waiting for an agent"


def is_waiting_for_agent(case: Case) -> bool:
    """Only an unassigned case that is new or open is offered to agents."""
    return case.assignee_id is None and case.status in (CaseStatus.NEW, CaseStatus.OPEN)


def route_case(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    *,
    now: datetime,
    policy: RoutingPolicy,
    agents: list[AgentSnapshot] | None = None,
    item: WorkItem | None = None,
    waiting: Sequence[WorkItem] = (),
) -> RoutingOutcome:
    """Offer a waiting case to the best available agent (push routing), within the transaction.

    The caller refreshes the promise projection afterwards (assignment does not move clocks).
    """
    if not is_waiting_for_agent(case):
        return RoutingOutcome(case, case.assignee_id, (NOT_WAITING,))
    snapshots = agents if agents is not None else uow.agents.snapshots(queue_id=case.queue_id)
    # ``waiting``: emergencies waiting for an agent hold the agents who could take them
    decision = best_agent_for(
        item or work_item(uow, case, now), snapshots, policy, now, waiting=waiting
    )
    if not isinstance(decision, Assignment):
        return RoutingOutcome(case, None, (decision.reason,), nobody_eligible=True)
    try:
        assigned = apply_assignment(
            uow, actor, case, decision.agent_id, now=now, reasons=decision.reasons
        )
    except Conflict as lost:  # the agent's last slot went to a concurrent transaction
        # check_capacity raises before writing anything: the case simply keeps waiting, and
        # the caller's transaction (e.g. storing the inbound message) still commits.
        return RoutingOutcome(case, None, (f"routing lost a race: {lost.message}",))
    return RoutingOutcome(assigned, decision.agent_id, decision.reasons, assigned_now=True)
