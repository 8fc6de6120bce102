"""Attachments of messages (``services/attachment_ports.AttachmentRepository``): read side.

Rows of ``email_attachments`` joined to their message for the case id; written by the e-mail
import (``repositories/email.py``). Every query is one statement on an indexed column
(``email_attachments.message_id``, ``messages.case_id``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, select

from klantenservice.adapters.db.tables import email_attachments, messages
from klantenservice.domain.vocabulary import CaseId, MessageId
from klantenservice.services.attachment_ports import AttachmentId, StoredAttachment

_COLUMNS = (
    email_attachments.c.id,
    email_attachments.c.message_id,
    messages.c.case_id,
    email_attachments.c.filename,
    email_attachments.c.content_type,
    email_attachments.c.size,
    email_attachments.c.path,
    email_attachments.c.refused,
)


def _query() -> Select[Any]:
    return select(*_COLUMNS).join(messages, messages.c.id == email_attachments.c.message_id)


def _row(row: Any) -> StoredAttachment:
    return StoredAttachment(
        id=row.id,
        message_id=MessageId(row.message_id),
        case_id=CaseId(row.case_id),
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        path=row.path,
        refused=row.refused,
    )


class SqlAttachments:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def for_messages(self, message_ids: Sequence[MessageId]) -> list[StoredAttachment]:
        if not message_ids:
            return []
        query = _query().where(email_attachments.c.message_id.in_([int(i) for i in message_ids]))
        order = (email_attachments.c.message_id, email_attachments.c.id)
        return [_row(row) for row in self._c.execute(query.order_by(*order))]

    def for_cases(self, case_ids: Sequence[CaseId]) -> list[StoredAttachment]:
        if not case_ids:
            return []
        query = _query().where(messages.c.case_id.in_([int(i) for i in case_ids]))
        order = (email_attachments.c.message_id, email_attachments.c.id)
        return [_row(row) for row in self._c.execute(query.order_by(*order))]

    def get(self, attachment_id: AttachmentId) -> StoredAttachment | None:
        row = self._c.execute(_query().where(email_attachments.c.id == attachment_id)).first()
        return None if row is None else _row(row)
