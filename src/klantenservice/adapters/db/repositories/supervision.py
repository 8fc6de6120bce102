"""The supervisor's board in a few aggregate queries over open work only.

Every query starts from ``status IN (open statuses)`` on ``ix_cases_status_queue`` (or, per
agent, ``ix_cases_assignee_status``), so it reads the backlog, never the history: a store with
ten times more closed cases answers in the same time. Counting happens in the database
(``GROUP BY``), not row by row in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from klantenservice.adapters.db.repositories.cases import row_to_case
from klantenservice.adapters.db.tables import cases
from klantenservice.domain.cases import ACTIVE_STATUSES, CaseStatus
from klantenservice.domain.promises import ClockState
from klantenservice.domain.supervision import QueueLoad
from klantenservice.domain.vocabulary import AgentId, Channel, QueueId
from klantenservice.services.desk_reads import AgentLoad, WatchedCase

OPEN = sorted(s.value for s in (*ACTIVE_STATUSES, CaseStatus.PENDING_CUSTOMER))
COUNTS_AGAINST_CAPACITY = frozenset(s.value for s in ACTIVE_STATUSES)
WAITING = sorted(COUNTS_AGAINST_CAPACITY)  # unassigned and not waiting on the customer
WARNING, BREACHED = ClockState.WARNING.value, ClockState.BREACHED.value

_is_waiting = and_(cases.c.assignee_id.is_(None), cases.c.status.in_(WAITING))
_waiting_since = func.coalesce(cases.c.waiting_since, cases.c.created_at)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


class SqlSupervision:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def queue_loads(self) -> list[QueueLoad]:
        rows = self._c.execute(
            select(
                cases.c.queue_id,
                _count(_is_waiting).label("waiting"),
                func.min(case((_is_waiting, _waiting_since))).label("oldest"),
                _count(cases.c.promise_state == WARNING).label("at_risk"),
                _count(cases.c.promise_state == BREACHED).label("breached"),
            )
            .where(cases.c.status.in_(OPEN), cases.c.queue_id.is_not(None))
            .group_by(cases.c.queue_id)
        )
        return [
            QueueLoad(QueueId(r.queue_id), int(r.waiting), r.oldest, int(r.at_risk),
                      int(r.breached))
            for r in rows
        ]  # fmt: skip

    def agent_loads(self, agent_ids: Sequence[AgentId]) -> dict[AgentId, AgentLoad]:
        if not agent_ids:
            return {}
        rows = self._c.execute(
            select(cases.c.assignee_id, cases.c.channel, cases.c.status, func.count().label("n"))
            .where(cases.c.assignee_id.in_(list(agent_ids)), cases.c.status.in_(OPEN))
            .group_by(cases.c.assignee_id, cases.c.channel, cases.c.status)
        )
        load: dict[AgentId, dict[Channel, int]] = {}
        open_cases: dict[AgentId, int] = {}
        for agent_id, channel, status, n in rows:
            agent = AgentId(agent_id)
            open_cases[agent] = open_cases.get(agent, 0) + n
            per_channel = load.setdefault(agent, {})
            if status in COUNTS_AGAINST_CAPACITY:
                per_channel[Channel(channel)] = per_channel.get(Channel(channel), 0) + n
        return {a: AgentLoad(load.get(a, {}), n) for a, n in open_cases.items()}

    def watch_list(self, *, limit: int) -> list[WatchedCase]:
        promised = self._c.execute(
            select(cases)
            .where(cases.c.status.in_(OPEN), cases.c.promise_state.in_([BREACHED, WARNING]))
            .order_by(case((cases.c.promise_state == BREACHED, 0), else_=1),
                      cases.c.promise_due_at, cases.c.id)
            .limit(limit)
        ).all()  # fmt: skip
        waiting = self._c.execute(
            select(cases).where(_is_waiting).order_by(_waiting_since, cases.c.id).limit(limit)
        ).all()
        seen: set[int] = set()
        watched: list[WatchedCase] = []
        for row in [*promised, *waiting]:
            if row.id not in seen and len(watched) < limit:
                seen.add(row.id)
                watched.append(WatchedCase(row_to_case(row), row.promise_state,
                                           row.promise_due_at))  # fmt: skip
        return watched
