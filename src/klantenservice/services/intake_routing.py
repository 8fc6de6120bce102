"""Push routing inside one intake batch, and the refusals remembered between batches.

``BatchState`` is what the messages of one batch share in its transaction: the agents'
snapshots (read once per queue), the refusals found (per routing signature), the emergencies
waiting for an agent (read once: they hold the fraud agents who could take them once free,
``domain/reservation.Hold``), the active incidents and the outbox events. ``RoutingMemo``
carries refusals to the next batch while nothing they depend on changed.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from klantenservice.domain.cases import Case
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.incidents import Incident
from klantenservice.domain.reservation import in_reserve
from klantenservice.domain.routing import AgentSnapshot, WorkItem, routing_signature
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Priority, QueueId
from klantenservice.services.assignment import (
    NOT_WAITING,
    RoutingOutcome,
    is_waiting_for_agent,
    route_case,
    work_item,
)
from klantenservice.services.ports import Actor, UnitOfWork

if TYPE_CHECKING:
    from klantenservice.services.inbound_message import IntakeOptions

MAX_WAITING_EMERGENCIES = 200  # read per batch; more than this waiting is a disaster anyway


@dataclass(slots=True)
class RoutingMemo:
    """Routing refusals that outlive a batch, while the agents they were found for are unchanged.

    A busy day fills every agent's capacity; from then on each batch would explain again, per
    routing signature, why nobody can take the next case (``best_agent_for``, the costliest
    step of a follow-up message). The explanation is a function of the signature and of the
    agents' snapshots only (``domain/routing.py``), so a batch whose freshly read snapshots of a
    queue equal the previous batch's final ones reuses that batch's refusals for the queue.
    Any change (an agent freed a slot, came online, was reassigned) makes the snapshots differ
    and the refusals of that queue are found afresh; so does any change in the emergencies
    waiting (they hold agents). Owned by one writer thread; updated only after a batch
    committed (``adopt``).
    """

    snapshots: dict[QueueId | None, list[AgentSnapshot]] = field(default_factory=dict)
    refused: dict[QueueId | None, dict[Hashable, str]] = field(default_factory=dict)
    emergencies: tuple[CaseId, ...] | None = None

    def adopt(self, state: BatchState) -> None:
        self.snapshots = {queue: list(found) for queue, found in state._agents.items()}
        self.refused = {queue: dict(found) for queue, found in state._refused.items()}
        waiting = state._emergencies
        self.emergencies = None if waiting is None else tuple(w.case_id for w in waiting)


@dataclass(slots=True)
class BatchState:
    """What the messages of one batch share inside its transaction."""

    now: datetime
    options: IntakeOptions
    memo: RoutingMemo | None = None
    outbox: list[DomainEvent] = field(default_factory=list)  # written once, at the end
    incidents: list[Incident] | None = None  # the active ones, read once (incident_intake)
    _agents: dict[QueueId | None, list[AgentSnapshot]] = field(default_factory=dict)
    # per queue: routing signature -> why nobody could take it
    _refused: dict[QueueId | None, dict[Hashable, str]] = field(default_factory=dict)
    # emergencies waiting for an agent, read once per batch (they hold fraud agents)
    _emergencies: list[WorkItem] | None = None

    def route(self, uow: UnitOfWork, actor: Actor, case: Case) -> RoutingOutcome:
        """Push routing within the batch; a signature that found nobody is not tried again."""
        policy, now = self.options.routing, self.now
        if not is_waiting_for_agent(case):  # assigned, or pending: nothing to route
            return RoutingOutcome(case, case.assignee_id, (NOT_WAITING,))
        item = work_item(uow, case, now)
        signature = routing_signature(item, policy, now)
        agents = self.agents(uow, case.queue_id)
        refusals = self._refused.setdefault(case.queue_id, {})
        refused = refusals.get(signature)
        if refused is not None:
            return RoutingOutcome(case, None, (refused,), nobody_eligible=True)
        waiting = self.emergencies(uow)
        outcome = route_case(
            uow, actor, case, now=now, policy=policy, agents=agents, item=item, waiting=waiting
        )
        if outcome.assigned_now and outcome.agent_id is not None:
            self.assigned(outcome.agent_id, case.channel)
        elif outcome.nobody_eligible:
            refusals[signature] = outcome.reasons[0]
            if item.priority is Priority.EMERGENCY:  # it waits: from now on it holds agents
                waiting.append(item)
        return outcome

    def emergencies(self, uow: UnitOfWork) -> list[WorkItem]:
        """The emergencies waiting for an agent, read once per batch (usually none)."""
        if self._emergencies is None:
            cases = uow.cases.waiting_emergencies(limit=MAX_WAITING_EMERGENCIES)
            self._emergencies = [work_item(uow, case, self.now) for case in cases]
        return self._emergencies

    def agents(self, uow: UnitOfWork, queue_id: QueueId | None) -> list[AgentSnapshot]:
        """Routing snapshots, read once per queue and batch and kept current by ``assigned``."""
        found = self._agents.get(queue_id)
        if found is None:
            found = self._agents[queue_id] = uow.agents.snapshots(queue_id=queue_id)
            memo = self.memo
            waiting = tuple(w.case_id for w in self.emergencies(uow))
            if (
                memo is not None
                and memo.snapshots.get(queue_id) == found
                and memo.emergencies == waiting
            ):
                self._refused[queue_id] = dict(memo.refused.get(queue_id, {}))
        return found

    def assigned(self, agent_id: AgentId, channel: Channel) -> None:
        policy = self.options.routing
        for snapshots in self._agents.values():
            for index, snapshot in enumerate(snapshots):
                if snapshot.agent_id == agent_id:
                    if policy.reserved_emergency_agents and in_reserve(
                        snapshot, policy.emergency_skill
                    ):  # they leave the emergency reserve: work kept from them may fit now
                        for refusals in self._refused.values():
                            refusals.clear()
                    load = {**snapshot.load, channel: snapshot.load.get(channel, 0) + 1}
                    snapshots[index] = replace(snapshot, load=load, last_assigned_at=self.now)
