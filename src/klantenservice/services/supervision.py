"""The supervisor view: live queues, agent states and the cases that need attention.

One read-only, permission-checked transaction (``queue_supervise``: supervisors and
administrators) of a fixed number of aggregate queries over open work (``uow.supervision``,
``adapters/db/repositories/supervision.py``), whatever the number of cases, queues or agents:

    queue_loads   waiting, oldest wait, promises at risk / breached, per queue   (1 query)
    agents        the roster                                                      (1 query)
    agent_loads   open work per agent, channel and status                         (1 query)
    watch_list    breached / at-risk promises, then the longest waiting           (2 queries)

The figures themselves (who has room, per language and skill) are domain rules
(``domain/supervision.py``). The board shows no customer's name or message, so reading it
is not a view of a customer's record and writes no audit row; opening a case from it is
(the case page audits). Changes a supervisor makes from the board are the existing use cases:
presence (``directory.set_presence``) and reassignment (``services/reassignment.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.capacity import Exclusivity
from klantenservice.domain.cases import Case
from klantenservice.domain.permissions import Permission
from klantenservice.domain.supervision import QueueLoad, Seats, has_room, seats_by_queue
from klantenservice.domain.vocabulary import AgentId, Channel, Presence, QueueId
from klantenservice.services import access, directory
from klantenservice.services.assignment import snapshot_of
from klantenservice.services.desk_reads import AgentLoad, WatchedCase
from klantenservice.services.ports import Actor, UnitOfWork

WATCH_LIST = 15


@dataclass(frozen=True, slots=True)
class QueueRow:
    queue: Queue
    load: QueueLoad
    longest_wait: timedelta | None
    seats: Seats


@dataclass(frozen=True, slots=True)
class AgentRow:
    agent: Agent
    load: Mapping[Channel, int]  # counted against capacity (not pending on the customer)
    open_cases: int  # all open cases, also those waiting on the customer
    has_room: bool  # available, and a free slot on some channel under routing's rules

    @property
    def channels(self) -> list[tuple[Channel, int, int]]:
        """(channel, load, capacity) for every channel the agent works or has work on."""
        worked = {c for c, n in self.agent.capacity.items() if n > 0} | set(self.load)
        return [
            (c, self.load.get(c, 0), self.agent.capacity.get(c, 0)) for c in Channel if c in worked
        ]


@dataclass(frozen=True, slots=True)
class WatchRow:
    case: Case
    promise_state: str | None
    promise_due_at: datetime | None
    queue_name: str | None
    assignee_name: str | None
    waited: timedelta | None  # for a case without an assignee: since it began to wait


@dataclass(frozen=True, slots=True)
class Board:
    at: datetime
    queues: tuple[QueueRow, ...]
    agents: tuple[AgentRow, ...]
    watch: tuple[WatchRow, ...]


def supervisor_board(uow: UnitOfWork, *, actor: Actor, now: datetime, rules: Exclusivity) -> Board:
    """Queues, agents and the watch list as they stand at ``now``."""
    access.check(actor, Permission.QUEUE_SUPERVISE)
    with uow:
        queues = sorted(uow.directory.queues(), key=lambda q: q.id or 0)
        agents = uow.agents.list()
        loads = uow.supervision.agent_loads([a.id for a in agents if a.id is not None])
        counted = {load.queue_id: load for load in uow.supervision.queue_loads()}
        watched = uow.supervision.watch_list(limit=WATCH_LIST)
    rows = [_agent_row(agent, loads.get(agent.id) if agent.id else None, rules) for agent in agents]
    seats = seats_by_queue(
        [snapshot_of(r.agent, dict(r.load)) for r in rows],
        {q.id: q.required_skills for q in queues if q.id is not None},
        rules,
    )
    queue_rows = tuple(
        QueueRow(q, load, load.longest_wait(now), seats[q.id])
        for q in queues
        if q.id is not None
        for load in [counted.get(q.id, QueueLoad(q.id))]
    )
    return Board(now, queue_rows, tuple(rows), _watch_rows(watched, queues, agents, now))


def set_agent_presence(
    uow: UnitOfWork, *, actor: Actor, agent_id: AgentId, presence: Presence, now: datetime
) -> None:
    """A supervisor sets an agent's presence from the board (audited, announced live)."""
    access.check(actor, Permission.QUEUE_SUPERVISE)
    directory.set_presence(uow, actor=actor, agent_id=agent_id, presence=presence, now=now)


def _agent_row(agent: Agent, load: AgentLoad | None, rules: Exclusivity) -> AgentRow:
    per_channel = dict(load.load) if load else {}
    room = has_room(snapshot_of(agent, per_channel), rules)
    return AgentRow(agent, per_channel, load.open_cases if load else 0, room)


def _watch_rows(
    watched: list[WatchedCase], queues: list[Queue], agents: list[Agent], now: datetime
) -> tuple[WatchRow, ...]:
    queue_names: dict[QueueId | None, str] = {q.id: q.name for q in queues}
    agent_names: dict[AgentId | None, str] = {a.id: a.name for a in agents}
    rows = []
    for item in watched:
        case = item.case
        since = case.waiting_since or case.created_at
        rows.append(
            WatchRow(
                case=case,
                promise_state=item.promise_state,
                promise_due_at=item.promise_due_at,
                queue_name=queue_names.get(case.queue_id),
                assignee_name=agent_names.get(case.assignee_id),
                waited=None if case.assignee_id else max(timedelta(0), now - since),
            )
        )
    return tuple(rows)
