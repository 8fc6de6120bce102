"""Messages in the store; ``UNIQUE(channel, external_id)`` makes intake idempotent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import messages
from klantenservice.domain.messages import Message
from klantenservice.domain.vocabulary import (
    AgentId,
    AuthorKind,
    CaseId,
    Channel,
    Direction,
    MessageId,
)
from klantenservice.services.ports import DuplicateExternalId, Page


def _message(row: Any) -> Message:
    return Message(
        id=MessageId(row.id),
        case_id=CaseId(row.case_id),
        channel=Channel(row.channel),
        direction=Direction(row.direction),
        author_kind=AuthorKind(row.author_kind),
        body=row.body,
        created_at=row.created_at,
        external_id=row.external_id,
        author_agent_id=None if row.author_agent_id is None else AgentId(row.author_agent_id),
        sent_at=row.sent_at,
        subject=row.subject,
    )


_COLUMNS = [c.name for c in messages.columns if c.name != "id"]
_INSERT = Prepared(
    insert(messages).values({n: bindparam(n) for n in _COLUMNS}).returning(messages.c.id)
)
_BY_EXTERNAL_ID = Prepared(
    select(messages).where(
        messages.c.channel == bindparam("channel"), messages.c.external_id == bindparam("xid")
    )
)


class SqlMessages:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, message: Message) -> Message:
        values = {
            "case_id": message.case_id,
            "channel": message.channel.value,
            "direction": message.direction.value,
            "author_kind": message.author_kind.value,
            "author_agent_id": message.author_agent_id,
            "subject": message.subject,
            "body": message.body,
            "external_id": message.external_id,
            "created_at": message.created_at,
            "sent_at": message.sent_at,
        }
        # No savepoint: a duplicate aborts the transaction; the service retries read-only.
        try:
            new_id = _INSERT.new_id(self._c, values)
        except IntegrityError as error:
            if message.external_id is not None:
                raise DuplicateExternalId(message.channel, message.external_id) from error
            raise
        return Message(**{**_fields(message), "id": MessageId(new_id)})

    def by_external_id(self, channel: Channel, external_id: str) -> Message | None:
        row = _BY_EXTERNAL_ID.first(self._c, {"channel": channel.value, "xid": external_id})
        return None if row is None else _message(row)

    def get(self, message_id: MessageId) -> Message | None:
        row = self._c.execute(select(messages).where(messages.c.id == message_id)).first()
        return None if row is None else _message(row)

    def for_cases(self, case_ids: Sequence[CaseId], *, after: int, limit: int) -> Page:
        rows = self._c.execute(
            select(messages)
            .where(messages.c.case_id.in_(list(case_ids)), messages.c.id > after)
            .order_by(messages.c.id)
            .limit(limit + 1)
        ).all()
        items = [_message(r) for r in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit and items else None)

    def recent_for_cases(
        self, case_ids: Sequence[CaseId], *, before: int | None, limit: int
    ) -> Page:
        """The newest ``limit`` messages (below id ``before``), returned oldest first.

        ``next_after`` is the id to pass as ``before`` for the page of older messages (None:
        there are none), so a long timeline is read backwards from its end.
        """
        query = select(messages).where(messages.c.case_id.in_(list(case_ids)))
        if before is not None:
            query = query.where(messages.c.id < before)
        rows = self._c.execute(query.order_by(messages.c.id.desc()).limit(limit + 1)).all()
        items = [_message(r) for r in reversed(rows[:limit])]
        return Page(items, items[0].id if len(rows) > limit and items else None)


def _fields(message: Message) -> dict[str, Any]:
    return {name: getattr(message, name) for name in Message.__slots__}
