"""E-mail in the store (``services/email_ports.EmailRepository``): raw mails, attachments,
our outbound Message-IDs and IMAP state. Tables: ``adapters/db/tables/`` (migration 0007)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from klantenservice.adapters.db.tables import (
    email_attachments,
    email_imap_state,
    email_outbound,
    email_raw,
    messages,
)
from klantenservice.domain.vocabulary import CaseId, Channel, MessageId
from klantenservice.services.email_ports import (
    NewRawMail,
    OutboundEmail,
    ParsedAttachment,
    RawId,
    RawMail,
)

STORED, IMPORTED, QUARANTINED = "stored", "imported", "quarantined"


def _raw(row: Any) -> RawMail:
    return RawMail(
        id=row.id,
        digest=row.digest,
        size=row.size,
        path=row.path,
        source=row.source,
        mailbox=row.mailbox,
        received_at=row.received_at,
        state=row.state,
        reason=row.reason,
        message_id=None if row.message_id is None else MessageId(row.message_id),
        imap_uid=row.imap_uid,
    )


class SqlEmail:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_raw(self, raw: NewRawMail, *, at: datetime) -> RawId:
        values = {
            "digest": raw.digest,
            "size": raw.size,
            "path": raw.path,
            "source": raw.source,
            "mailbox": raw.mailbox[:1000],
            "received_at": at,
            "state": STORED,
            "imap_uidvalidity": raw.imap_uidvalidity,
            "imap_uid": raw.imap_uid,
        }
        result = self._c.execute(insert(email_raw).values(values).returning(email_raw.c.id))
        return int(result.scalar_one())

    def pending(self, *, limit: int) -> list[RawMail]:
        query = (
            select(email_raw)
            .where(email_raw.c.state == STORED)
            .order_by(email_raw.c.id)
            .limit(limit)
        )
        return [_raw(row) for row in self._c.execute(query)]

    def raw(self, raw_id: RawId) -> RawMail | None:
        row = self._c.execute(select(email_raw).where(email_raw.c.id == raw_id)).first()
        return None if row is None else _raw(row)

    def quarantine(self, raw_id: RawId, reason: str, *, at: datetime) -> None:
        self._c.execute(
            update(email_raw)
            .where(email_raw.c.id == raw_id)
            .values(state=QUARANTINED, reason=reason[:500], imported_at=at)
        )

    def mark_imported(
        self, raw_id: RawId, *, external_id: str, message_id: MessageId, at: datetime
    ) -> None:
        self._c.execute(
            update(email_raw)
            .where(email_raw.c.id == raw_id)
            .values(state=IMPORTED, external_id=external_id, message_id=message_id, imported_at=at)
        )

    def add_attachments(
        self, raw_id: RawId, message_id: MessageId, found: Sequence[ParsedAttachment]
    ) -> None:
        if not found:
            return
        rows = [
            {
                "raw_id": raw_id,
                "message_id": message_id,
                "filename": item.filename[:255],
                "content_type": item.content_type[:127],
                "size": item.size,
                "digest": item.digest,
                "path": item.path,
                "refused": None if item.refused is None else item.refused[:200],
            }
            for item in found
        ]
        self._c.execute(insert(email_attachments), rows)

    def quarantined(self, *, limit: int) -> list[RawMail]:
        query = (
            select(email_raw)
            .where(email_raw.c.state == QUARANTINED)
            .order_by(email_raw.c.id.desc())
            .limit(limit)
        )
        return [_raw(row) for row in self._c.execute(query)]

    def case_for_message_ids(self, ids: Sequence[str]) -> CaseId | None:
        """The case of the first id (in the given order) that is one of ours or one we got."""
        if not ids:
            return None
        found: dict[str, int] = {}
        ours = select(email_outbound.c.rfc_message_id, email_outbound.c.case_id).where(
            email_outbound.c.rfc_message_id.in_(list(ids))
        )
        for row in self._c.execute(ours):
            found.setdefault(row.rfc_message_id, row.case_id)
        theirs = select(messages.c.external_id, messages.c.case_id).where(
            messages.c.channel == Channel.EMAIL.value, messages.c.external_id.in_(list(ids))
        )
        for row in self._c.execute(theirs):
            found.setdefault(row.external_id, row.case_id)
        for token in ids:
            if token in found:
                return CaseId(found[token])
        return None

    def outbound(self, message_id: MessageId) -> OutboundEmail | None:
        row = self._c.execute(
            select(email_outbound).where(email_outbound.c.message_id == message_id)
        ).first()
        if row is None:
            return None
        return OutboundEmail(
            message_id=MessageId(row.message_id),
            rfc_message_id=row.rfc_message_id,
            case_id=CaseId(row.case_id),
            sent_at=row.sent_at,
        )

    def add_outbound(self, found: OutboundEmail, *, outbox_event_id: int) -> None:
        self._c.execute(
            insert(email_outbound).values(
                message_id=found.message_id,
                rfc_message_id=found.rfc_message_id,
                case_id=found.case_id,
                outbox_event_id=outbox_event_id,
                sent_at=found.sent_at,
            )
        )

    def mark_sent(self, message_id: MessageId, *, at: datetime) -> None:
        self._c.execute(
            update(email_outbound)
            .where(email_outbound.c.message_id == message_id, email_outbound.c.sent_at.is_(None))
            .values(sent_at=at)
        )

    def thread_of_case(self, case_id: CaseId) -> tuple[str | None, list[str]]:
        """(the newest Message-ID on the case, every e-mail Message-ID of it oldest first)."""
        theirs = select(messages.c.id, messages.c.external_id).where(
            messages.c.case_id == case_id,
            messages.c.channel == Channel.EMAIL.value,
            messages.c.external_id.like("<%"),
        )
        ours = select(email_outbound.c.message_id, email_outbound.c.rfc_message_id).where(
            email_outbound.c.case_id == case_id
        )
        found = [(row[0], str(row[1])) for row in self._c.execute(theirs)]
        found += [(row[0], str(row[1])) for row in self._c.execute(ours)]
        chain = [token for _id, token in sorted(found)]
        return (chain[-1] if chain else None), chain

    def imap_state(self, mailbox: str) -> tuple[int, int] | None:
        row = self._c.execute(
            select(email_imap_state.c.uidvalidity, email_imap_state.c.last_uid).where(
                email_imap_state.c.mailbox == mailbox
            )
        ).first()
        return None if row is None else (int(row[0]), int(row[1]))

    def set_imap_state(
        self, mailbox: str, *, uidvalidity: int, last_uid: int, at: datetime
    ) -> None:
        values = {"uidvalidity": uidvalidity, "last_uid": last_uid, "polled_at": at}
        done = self._c.execute(
            update(email_imap_state).where(email_imap_state.c.mailbox == mailbox).values(values)
        )
        if done.rowcount == 0:
            self._c.execute(insert(email_imap_state).values(mailbox=mailbox, **values))

    def imported_uids(self, mailbox: str, uidvalidity: int) -> set[int]:
        query = select(email_raw.c.imap_uid).where(
            email_raw.c.mailbox == mailbox,
            email_raw.c.imap_uidvalidity == uidvalidity,
            email_raw.c.imap_uid.is_not(None),
        )
        return {int(row[0]) for row in self._c.execute(query)}
