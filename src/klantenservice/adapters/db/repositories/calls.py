"""Phone calls in the store (``services/voice_ports.CallRepository``).

Twilio may deliver the first webhook of a call twice at once: ``add_if_new`` inserts with
``ON CONFLICT DO NOTHING`` on the unique CallSid (SQLite and PostgreSQL both speak it), so the
loser of the race finds the winner's row instead of failing. Later changes read the row
``FOR UPDATE`` (PostgreSQL; SQLite writers are serialised anyway) and write it whole.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from klantenservice.adapters.db.tables import calls
from klantenservice.domain.calls import CallRecord, CallStatus, ChoiceBy, PathStep
from klantenservice.domain.vocabulary import CaseId, Language, MessageId, Priority


def _values(record: CallRecord) -> dict[str, Any]:
    return {
        "call_sid": record.call_sid,
        "from_number": record.from_number,
        "to_number": record.to_number,
        "language": record.language.value,
        "status": record.status.value,
        "ivr_path": [[s.menu, s.digit, s.by.value] for s in record.ivr_path],
        "queue": record.queue,
        "priority": int(record.priority) if record.priority is not None else None,
        "case_id": record.case_id,
        "message_id": record.message_id,
        "started_at": record.started_at,
        "queued_at": record.queued_at,
        "answered_at": record.answered_at,
        "callback_at": record.callback_at,
        "ended_at": record.ended_at,
    }


def _record(row: Any) -> CallRecord:
    return CallRecord(
        call_sid=row.call_sid,
        from_number=row.from_number,
        to_number=row.to_number,
        language=Language(row.language),
        started_at=row.started_at,
        status=CallStatus(row.status),
        ivr_path=tuple(PathStep(m, d, ChoiceBy(b)) for m, d, b in row.ivr_path),
        queue=row.queue,
        priority=Priority(row.priority) if row.priority is not None else None,
        case_id=CaseId(row.case_id) if row.case_id is not None else None,
        message_id=MessageId(row.message_id) if row.message_id is not None else None,
        queued_at=row.queued_at,
        answered_at=row.answered_at,
        callback_at=row.callback_at,
        ended_at=row.ended_at,
    )


class SqlCalls:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_if_new(self, record: CallRecord) -> bool:
        dialect = postgresql if self._c.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(calls).values(_values(record))
        result = self._c.execute(statement.on_conflict_do_nothing(index_elements=["call_sid"]))
        return bool(result.rowcount)

    def get(self, call_sid: str, *, for_update: bool = False) -> CallRecord | None:
        query = select(calls).where(calls.c.call_sid == call_sid)
        if for_update:
            query = query.with_for_update()
        row = self._c.execute(query).first()
        return _record(row) if row is not None else None

    def update(self, record: CallRecord) -> None:
        self._c.execute(
            update(calls).where(calls.c.call_sid == record.call_sid).values(_values(record))
        )

    def started_between(self, start: datetime, end: datetime) -> list[CallRecord]:
        query = (
            select(calls)
            .where(calls.c.started_at >= start, calls.c.started_at < end)
            .order_by(calls.c.started_at, calls.c.id)
        )
        return [_record(row) for row in self._c.execute(query)]

    def next_waiting(self, queues: frozenset[str] | None) -> CallRecord | None:
        query = select(calls).where(calls.c.status == CallStatus.QUEUED.value)
        if queues is not None:
            query = query.where(calls.c.queue.in_(sorted(queues)))
        query = query.order_by(calls.c.priority.desc(), calls.c.queued_at, calls.c.id).limit(1)
        row = self._c.execute(query).first()
        return _record(row) if row is not None else None
