"""A chat's transcript by e-mail: asked for in the widget, sent by the worker after commit.

    widget "E-mail me the transcript" ──► request_transcript: the address for this request,
        audited, outbox ``chat.transcript_requested`` {transcript_id, chat_id, case_id}
    worker (workers/chat_transcript.py) ──► transcript_to_send ──► mail ──► mark_sent

The outbox payload carries ids only; the address and the messages are read when the mail is
made. A transcript holds exactly what the customer saw in the widget (``chat.visible_messages``:
never internal notes). ``sent_at`` makes a redelivered outbox event send nothing twice (at
most one more mail, if the worker died between sending and recording).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.cases import format_reference
from klantenservice.domain.customers import ContactKind, ContactPoint
from klantenservice.domain.errors import NotFound
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.vocabulary import Language
from klantenservice.services.chat import ChatLine, chat_actor, visible_messages
from klantenservice.services.chat_ports import ChatSession
from klantenservice.services.ports import SYSTEM, UnitOfWork

TOPIC = "chat.transcript_requested"


@dataclass(frozen=True, slots=True)
class Transcript:
    id: int
    email: str
    language: Language
    reference: str
    requested_at: datetime
    lines: tuple[ChatLine, ...]


def request_transcript(
    uow: UnitOfWork, *, chat: ChatSession, email: str, language: Language, now: datetime
) -> int:
    """Record the request (and the address it is for); the worker sends it after commit."""
    address = ContactPoint.parse(ContactKind.EMAIL, email).value
    with uow:
        transcript_id = uow.chats.add_transcript(
            chat_id=chat.id, email=address, language=language, at=now
        )
        uow.audit.record(
            actor=chat_actor(chat.id), action=TOPIC, subject_type="chat", subject_id=chat.id,
            at=now, details={"transcript_id": transcript_id},
        )  # fmt: skip
        payload = {"transcript_id": transcript_id, "chat_id": chat.id, "case_id": chat.case_id}
        uow.outbox.add(DomainEvent(TOPIC, payload, now))
        uow.commit()
    return transcript_id


def transcript_to_send(uow: UnitOfWork, transcript_id: int) -> Transcript | None:
    """The transcript with its messages, or None when it was sent already."""
    with uow:
        request = uow.chats.transcript(transcript_id)
        chat = uow.chats.get(request.chat_id) if request is not None else None
    if request is None or chat is None:
        raise NotFound(f"no chat transcript {transcript_id}")
    if request.sent_at is not None:
        return None
    lines = [
        line
        for line in visible_messages(uow, chat=chat, after=0)
        if line.at <= request.requested_at
    ]
    return Transcript(
        id=request.id,
        email=request.email,
        language=request.language,
        reference=format_reference(chat.case_id),
        requested_at=request.requested_at,
        lines=tuple(lines),
    )


def mark_sent(uow: UnitOfWork, *, transcript_id: int, now: datetime) -> None:
    with uow:
        uow.chats.mark_transcript_sent(transcript_id, now)
        uow.audit.record(
            actor=SYSTEM, action="chat.transcript_sent", subject_type="chat_transcript",
            subject_id=transcript_id, at=now, details={},
        )  # fmt: skip
        uow.commit()
