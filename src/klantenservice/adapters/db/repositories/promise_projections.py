"""The promise projection columns of ``cases`` (``promise_due_at``, ``promise_state``) for sweeps.

``due_for_sweep`` is an index range on ``ix_cases_promise_due_at`` in ``(promise_due_at, id)``
order. It locks what it returns and skips rows another transaction holds (PostgreSQL
``FOR UPDATE SKIP LOCKED``; SQLite's write transaction already excludes other writers).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, or_, select, tuple_

from klantenservice.adapters.db.repositories.cases import row_to_case
from klantenservice.adapters.db.tables import cases
from klantenservice.domain.cases import Case
from klantenservice.domain.promises import ClockState
from klantenservice.services.promise_sweep import StoredProjection, SweepCursor


class SqlPromiseProjections:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def due_for_sweep(
        self,
        *,
        now: datetime,
        warn_horizon: datetime | None,
        after: SweepCursor | None,
        limit: int,
    ) -> list[tuple[Case, StoredProjection]]:
        due = cases.c.promise_due_at
        wanted = due <= now
        if warn_horizon is not None and warn_horizon > now:
            may_warn = and_(cases.c.promise_state == ClockState.RUNNING.value, due <= warn_horizon)
            wanted = or_(wanted, may_warn)
            upper = warn_horizon
        else:
            upper = now
        query = select(cases).where(due.is_not(None), due <= upper, wanted)
        if after is not None:
            query = query.where(tuple_(due, cases.c.id) > tuple_(after.due_at, after.case_id))
        rows = self._c.execute(
            query.order_by(due, cases.c.id).limit(limit).with_for_update(skip_locked=True)
        ).all()
        return [(row_to_case(r), StoredProjection(r.promise_due_at, r.promise_state)) for r in rows]
