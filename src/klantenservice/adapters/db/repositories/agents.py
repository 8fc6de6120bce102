"""Agents in the store, and the live snapshot routing decides on.

An agent's load is never stored: it is counted from the cases assigned to them in an active
status, so it cannot drift. Assignment locks the agent's row first (``for_update``) so two
processes cannot both fill the agent's last free slot (PostgreSQL; SQLite serialises writers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import agents, cases
from klantenservice.domain.agents import Agent
from klantenservice.domain.cases import ACTIVE_STATUSES
from klantenservice.domain.routing import AgentSnapshot
from klantenservice.domain.vocabulary import AgentId, Channel, Presence, QueueId, TeamId, UserId

_ACTIVE = sorted(s.value for s in ACTIVE_STATUSES)
_BY_ID = select(agents).where(agents.c.id == bindparam("id"))
_GET = Prepared(_BY_ID)
_GET_FOR_UPDATE = Prepared(_BY_ID.with_for_update())
_MARK_ASSIGNED = Prepared(
    update(agents).where(agents.c.id == bindparam("id")).values(last_assigned_at=bindparam("at"))
)
_ONLINE = agents.c.presence != Presence.OFFLINE.value
_NOT_OFFLINE = Prepared(select(agents).where(_ONLINE))
_IS_ACTIVE = or_(*(cases.c.status == s for s in _ACTIVE))
_LOAD = Prepared(
    select(cases.c.channel, func.count().label("n"))
    .where(cases.c.assignee_id == bindparam("id"), _IS_ACTIVE)
    .group_by(cases.c.channel)
)
# The loads of every agent not offline in one statement; the IN (subquery) keeps the per-agent
# index lookups of _LOAD instead of scanning all assigned cases.
_LOADS_ONLINE = Prepared(
    select(cases.c.assignee_id, cases.c.channel, func.count().label("n"))
    .where(
        cases.c.assignee_id.in_(select(agents.c.id).where(_ONLINE).scalar_subquery()), _IS_ACTIVE
    )
    .group_by(cases.c.assignee_id, cases.c.channel)
)


def _agent(row: Any) -> Agent:
    return Agent(
        id=AgentId(row.id),
        user_id=None if row.user_id is None else UserId(row.user_id),
        name=row.name,
        team_id=None if row.team_id is None else TeamId(row.team_id),
        languages=frozenset(row.languages),
        skills=frozenset(row.skills),
        queue_ids=frozenset(QueueId(q) for q in row.queue_ids),
        capacity={Channel(k): int(v) for k, v in row.capacity.items()},
        presence=Presence(row.presence),
    )


class SqlAgents:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, agent_id: AgentId, *, for_update: bool = False) -> Agent | None:
        row = (_GET_FOR_UPDATE if for_update else _GET).first(self._c, {"id": agent_id})
        return None if row is None else _agent(row)

    def by_user(self, user_id: UserId) -> Agent | None:
        row = self._c.execute(select(agents).where(agents.c.user_id == user_id)).first()
        return None if row is None else _agent(row)

    def add(self, agent: Agent) -> Agent:
        result = self._c.execute(
            insert(agents).values(
                user_id=agent.user_id,
                name=agent.name,
                team_id=agent.team_id,
                languages=sorted(agent.languages),
                skills=sorted(agent.skills),
                queue_ids=sorted(agent.queue_ids),
                capacity={c.value: n for c, n in agent.capacity.items()},
                presence=agent.presence.value,
            )
        )
        return self.get(AgentId(result.inserted_primary_key[0]))  # type: ignore[index,return-value]

    def set_presence(self, agent_id: AgentId, presence: Presence) -> None:
        self._c.execute(update(agents).where(agents.c.id == agent_id).values(presence=presence))

    def mark_assigned(self, agent_id: AgentId, *, at: datetime) -> None:
        _MARK_ASSIGNED.run(self._c, {"id": agent_id, "at": at})

    def load(self, agent_id: AgentId) -> dict[Channel, int]:
        rows = _LOAD.all(self._c, {"id": agent_id})
        return {Channel(channel): int(n) for channel, n in rows}

    def snapshots(self, *, queue_id: QueueId | None = None) -> list[AgentSnapshot]:
        """Agents not offline (of one queue), each with its load: two statements in all."""
        rows = [
            r for r in _NOT_OFFLINE.all(self._c, {}) if queue_id is None or queue_id in r.queue_ids
        ]
        loads: dict[int, dict[Channel, int]] = {}
        for agent_id, channel, n in _LOADS_ONLINE.all(self._c, {}):
            loads.setdefault(agent_id, {})[Channel(channel)] = int(n)
        return [_snapshot(r, loads.get(r.id, {})) for r in rows]

    def list(self) -> list[Agent]:
        return [_agent(r) for r in self._c.execute(select(agents).order_by(agents.c.id))]


def _snapshot(row: Any, load: dict[Channel, int]) -> AgentSnapshot:
    return AgentSnapshot(
        agent_id=AgentId(row.id),
        name=row.name,
        presence=Presence(row.presence),
        languages=frozenset(row.languages),
        skills=frozenset(row.skills),
        queue_ids=frozenset(QueueId(q) for q in row.queue_ids),
        capacity={Channel(k): int(v) for k, v in row.capacity.items()},
        load=load,
        last_assigned_at=row.last_assigned_at,
    )
