"""Chats of the customer widget in the store (``services/chat_ports.ChatRepository``).

The queries the widget runs often are small and indexed: a chat by its token digest (unique),
the customer-visible messages of one case after an id (``ix_messages_case_id_id``), and the
number of waiting cases ahead of one case in its queue (``ix_cases_status_queue``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from klantenservice.adapters.db.repositories.messages import _message as row_to_message
from klantenservice.adapters.db.tables import cases, chat_sessions, chat_transcripts, messages
from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.chat import AnsweredChat
from klantenservice.domain.messages import Message
from klantenservice.domain.vocabulary import (
    AuthorKind,
    CaseId,
    Channel,
    CustomerId,
    Direction,
    Language,
    QueueId,
)
from klantenservice.services.chat_ports import ChatSession, TranscriptRequest

WAITING = [CaseStatus.NEW.value, CaseStatus.OPEN.value, CaseStatus.PENDING_INTERNAL.value]
VISIBLE = [Direction.INBOUND.value, Direction.OUTBOUND.value]  # never internal notes


def _chat(row: Any) -> ChatSession:
    return ChatSession(
        id=row.id,
        customer_id=CustomerId(row.customer_id),
        case_id=CaseId(row.case_id),
        language=Language(row.language),
        created_at=row.created_at,
        expires_at=row.expires_at,
        start_position=row.start_position,
        human_requested_at=row.human_requested_at,
    )


class SqlChats:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(
        self,
        *,
        token_digest: str,
        customer_id: CustomerId,
        case_id: CaseId,
        language: Language,
        at: datetime,
        expires_at: datetime,
        start_position: int,
    ) -> ChatSession:
        values = {
            "token_digest": token_digest,
            "customer_id": customer_id,
            "case_id": case_id,
            "language": language.value,
            "created_at": at,
            "expires_at": expires_at,
            "start_position": start_position,
        }
        new_id = self._c.execute(
            insert(chat_sessions).values(values).returning(chat_sessions.c.id)
        ).scalar_one()
        found = self.get(int(new_id))
        assert found is not None
        return found

    def by_token(self, digest: str) -> ChatSession | None:
        row = self._c.execute(
            select(chat_sessions).where(chat_sessions.c.token_digest == digest)
        ).first()
        return None if row is None else _chat(row)

    def get(self, chat_id: int) -> ChatSession | None:
        row = self._c.execute(select(chat_sessions).where(chat_sessions.c.id == chat_id)).first()
        return None if row is None else _chat(row)

    def move_to_case(self, chat_id: int, case_id: CaseId) -> None:
        self._c.execute(
            update(chat_sessions).where(chat_sessions.c.id == chat_id).values(case_id=case_id)
        )

    def set_human_requested(self, chat_id: int, at: datetime) -> None:
        self._c.execute(
            update(chat_sessions).where(chat_sessions.c.id == chat_id).values(human_requested_at=at)
        )

    def visible_messages(self, case_id: CaseId, *, after: int, limit: int) -> list[Message]:
        rows = self._c.execute(
            select(messages)
            .where(
                messages.c.case_id == case_id,
                messages.c.id > after,
                messages.c.channel == Channel.CHAT.value,
                messages.c.direction.in_(VISIBLE),
            )
            .order_by(messages.c.id)
            .limit(limit)
        )
        return [row_to_message(r) for r in rows]

    def waiting_ahead(self, case: Case) -> int:
        """Routing's serving order: higher priority, then longer waiting, then lower id."""
        since = func.coalesce(cases.c.waiting_since, cases.c.created_at)
        mine = case.waiting_since or case.created_at
        queue = (
            cases.c.queue_id.is_(None)
            if case.queue_id is None
            else (cases.c.queue_id == case.queue_id)
        )
        ahead = or_(
            cases.c.priority > int(case.priority),
            and_(
                cases.c.priority == int(case.priority),
                or_(since < mine, and_(since == mine, cases.c.id < case.id)),
            ),
        )
        count = self._c.execute(
            select(func.count())
            .select_from(cases)
            .where(
                cases.c.status.in_(WAITING),
                queue,
                cases.c.assignee_id.is_(None),
                cases.c.id != case.id,
                ahead,
            )
        ).scalar_one()
        return int(count)

    def recent_answered(
        self, queue_id: QueueId, *, since: datetime, limit: int
    ) -> Sequence[AnsweredChat]:
        first_reply = (
            select(func.min(messages.c.created_at))
            .where(
                messages.c.case_id == chat_sessions.c.case_id,
                messages.c.direction == Direction.OUTBOUND.value,
                messages.c.author_kind == AuthorKind.AGENT.value,
            )
            .scalar_subquery()
        )
        rows = self._c.execute(
            select(chat_sessions.c.created_at, chat_sessions.c.start_position, first_reply)
            .join(cases, cases.c.id == chat_sessions.c.case_id)
            .where(
                cases.c.queue_id == queue_id,
                chat_sessions.c.created_at >= since,
                first_reply.is_not(None),
            )
            .order_by(chat_sessions.c.id.desc())
            .limit(limit)
        ).all()
        return [AnsweredChat(r[0], r[2], r[1]) for r in rows]

    def add_transcript(self, *, chat_id: int, email: str, language: Language, at: datetime) -> int:
        new_id = self._c.execute(
            insert(chat_transcripts)
            .values(chat_id=chat_id, email=email, language=language.value, requested_at=at)
            .returning(chat_transcripts.c.id)
        ).scalar_one()
        return int(new_id)

    def transcript(self, transcript_id: int) -> TranscriptRequest | None:
        row = self._c.execute(
            select(chat_transcripts).where(chat_transcripts.c.id == transcript_id)
        ).first()
        if row is None:
            return None
        return TranscriptRequest(
            id=row.id,
            chat_id=row.chat_id,
            email=row.email,
            language=Language(row.language),
            requested_at=row.requested_at,
            sent_at=row.sent_at,
        )

    def mark_transcript_sent(self, transcript_id: int, at: datetime) -> None:
        self._c.execute(
            update(chat_transcripts)
            .where(chat_transcripts.c.id == transcript_id)
            .values(sent_at=at)
        )
