"""The hash-chained audit trail in the store.

Records are buffered during the unit of work and sealed at commit (``flush``): the one-row
``audit_head`` is locked (``FOR UPDATE`` on PostgreSQL; SQLite already holds the write lock),
each record is chained to the previous hash, and the head moves. Taking the lock last keeps
the part of a transaction that serialises on the chain as short as possible. The three
statements of a flush are prepared (``prepared.py``): a batch of intake seals dozens of records
at once (bench/intake.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import audit_head, audit_log
from klantenservice.domain.audit import AuditAnchor, AuditRecord, ChainLink, seal
from klantenservice.services.ports import Actor, Page

BATCH = 1000

_HEAD = Prepared(
    select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
)
_INSERT = Prepared(insert(audit_log).values({c.key: bindparam(c.key) for c in audit_log.c}))
_MOVE_HEAD = Prepared(
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("seq"), hash=bindparam("hash"))
)


def _record(row: Row[Any]) -> AuditRecord:
    return AuditRecord(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        details=row.details,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class SqlAudit:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
        self._pending: list[dict[str, Any]] = []

    def record(
        self,
        *,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: object,
        at: datetime,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self._pending.append(
            {
                "at": at,
                "actor": actor.label,
                "action": action,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "details": dict(details or {}),
            }
        )

    def flush(self) -> None:
        if not self._pending:
            return
        head = _HEAD.first(self._c, {})
        assert head is not None, "audit_head has its one row from the first migration"
        prev: ChainLink | None = AuditAnchor(head.seq, head.hash) if head.seq else None
        rows = []
        for entry in self._pending:
            record = seal(prev, **entry)
            rows.append(_row(record))
            prev = record
        _INSERT.run_many(self._c, rows)
        assert prev is not None
        _MOVE_HEAD.run(self._c, {"seq": prev.seq, "hash": prev.hash})
        self._pending.clear()

    def discard(self) -> None:
        self._pending.clear()

    def query(
        self,
        *,
        after: int,
        limit: int,
        subject_type: str | None,
        subject_id: str | None,
        actor: str | None,
        action: str | None,
    ) -> Page:
        query = select(audit_log).where(audit_log.c.seq > after)
        for column, value in (
            ("subject_type", subject_type),
            ("subject_id", subject_id),
            ("actor", actor),
            ("action", action),
        ):
            if value is not None:
                query = query.where(audit_log.c[column] == value)
        rows = self._c.execute(query.order_by(audit_log.c.seq).limit(limit + 1)).all()
        items = [_record(r) for r in rows[:limit]]
        return Page(items, items[-1].seq if len(rows) > limit and items else None)

    def iterate(self) -> Iterator[AuditRecord]:
        after = 0
        while True:
            rows = self._c.execute(
                select(audit_log)
                .where(audit_log.c.seq > after)
                .order_by(audit_log.c.seq)
                .limit(BATCH)
            ).all()
            if not rows:
                return
            yield from (_record(r) for r in rows)
            after = rows[-1].seq


def _row(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "details": dict(record.details),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }
