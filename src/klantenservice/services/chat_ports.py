"""What the chat use cases need from the store: the ``ChatRepository`` port and its records.

Kept apart from ``ports.py`` so the chat's storage can grow without touching the core ports;
``ports.UnitOfWork.chats`` is of this type and ``adapters/db/repositories/chats.py``
implements it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from klantenservice.domain.cases import Case
from klantenservice.domain.chat import AnsweredChat
from klantenservice.domain.messages import Message
from klantenservice.domain.vocabulary import CaseId, CustomerId, Language, QueueId


@dataclass(frozen=True, slots=True)
class ChatSession:
    """One chat: whose it is, which case it writes to, until when its token is valid.

    The token itself is never stored, only its digest (like staff sessions).
    """

    id: int
    customer_id: CustomerId
    case_id: CaseId
    language: Language
    created_at: datetime
    expires_at: datetime
    start_position: int
    human_requested_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TranscriptRequest:
    id: int
    chat_id: int
    email: str
    language: Language
    requested_at: datetime
    sent_at: datetime | None


class ChatRepository(Protocol):
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
    ) -> ChatSession: ...
    def by_token(self, digest: str) -> ChatSession | None: ...
    def get(self, chat_id: int) -> ChatSession | None: ...
    def move_to_case(self, chat_id: int, case_id: CaseId) -> None: ...
    def set_human_requested(self, chat_id: int, at: datetime) -> None: ...
    def visible_messages(self, case_id: CaseId, *, after: int, limit: int) -> list[Message]:
        """Chat-channel messages the customer may see (inbound, outbound), ``id > after``."""
        ...

    def waiting_ahead(self, case: Case) -> int:
        """Waiting cases of ``case``'s queue that routing serves before it."""
        ...

    def recent_answered(
        self, queue_id: QueueId, *, since: datetime, limit: int
    ) -> Sequence[AnsweredChat]: ...
    def add_transcript(
        self, *, chat_id: int, email: str, language: Language, at: datetime
    ) -> int: ...
    def transcript(self, transcript_id: int) -> TranscriptRequest | None: ...
    def mark_transcript_sent(self, transcript_id: int, at: datetime) -> None: ...
