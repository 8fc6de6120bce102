"""The outbox: events written in the same transaction as the change they announce.

The same write also feeds the live bus (``services/live.py``, ``docs/subsystems/live.md``),
so that exactly the committed events reach browsers, each with its outbox row id:

- PostgreSQL: ``SELECT pg_notify('ks_live', <json>)`` in this transaction. PostgreSQL delivers
  a notification at commit and drops it on rollback, so this is transactional for free, and it
  reaches the web processes whoever commits (another web process, the worker process).
- SQLite (one process): the live events are appended to ``live_pending``, a list owned by the
  unit of work, which hands them to the in-process bus after ``COMMIT`` succeeded. Without a
  list (no live bus, e.g. the worker process) nothing extra happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, text

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import outbox
from klantenservice.adapters.live import wire
from klantenservice.domain.events import DomainEvent
from klantenservice.services.live import LiveEvent, live_event

_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
# Prepared (prepared.py): the intake writes one or two events per message. One INSERT per
# event with RETURNING gives each event its id in order, portably and without relying on
# the order of a multi-row RETURNING.
_COLUMNS = ("topic", "payload", "created_at", "available_at", "attempts")
_INSERT = Prepared(insert(outbox).values({name: bindparam(name) for name in _COLUMNS}))
_INSERT_RETURNING = Prepared(
    insert(outbox).values({name: bindparam(name) for name in _COLUMNS}).returning(outbox.c.id)
)


class SqlOutbox:
    def __init__(self, connection: Connection, live_pending: list[LiveEvent] | None = None) -> None:
        self._c = connection
        self._notify = connection.dialect.name == "postgresql"
        self._live_pending = None if self._notify else live_pending

    def add(self, event: DomainEvent) -> None:
        self.add_all([event])

    def add_all(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        rows = [_row(e) for e in events]
        if not self._notify and self._live_pending is None:
            _INSERT.run_many(self._c, rows)
            return
        ids = [_INSERT_RETURNING.new_id(self._c, row) for row in rows]
        live = [live_event(i, e.topic, e.payload) for i, e in zip(ids, events, strict=True)]
        if self._live_pending is not None:
            self._live_pending.extend(live)
        else:
            for payload in wire.encode(live):
                self._c.execute(_NOTIFY, {"channel": wire.CHANNEL, "payload": payload})


def _row(event: DomainEvent) -> dict[str, Any]:
    return {
        "topic": event.topic,
        "payload": dict(event.payload),
        "created_at": event.at,
        "available_at": event.at,
        "attempts": 0,
    }
