"""What the e-mail services need from the store and from the mail parser (``adapters/mail``).

The parser is a port because it does file I/O (attachments are streamed to disk) and uses
libraries (stdlib ``email``, ``inscriptis``) that the services do not import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from klantenservice.domain.vocabulary import CaseId, MessageId

RawId = int


class MailRefused(Exception):
    """The mail cannot become a message; its text is the quarantine reason (no contents)."""


@dataclass(frozen=True, slots=True)
class RawMail:
    id: RawId
    digest: str
    size: int
    path: str
    source: str  # "smtp" | "imap"
    mailbox: str
    received_at: datetime
    state: str  # "stored" | "imported" | "quarantined"
    reason: str | None = None
    message_id: MessageId | None = None
    imap_uid: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str
    content_type: str
    size: int
    digest: str | None  # None when refused (nothing stored)
    path: str | None
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """What the intake needs from a mail; ``body`` is plain text (HTML already converted)."""

    message_id: str | None
    sender: str
    sender_name: str
    subject: str
    body: str
    sent_at: datetime | None
    in_reply_to: str | None
    references: str | None
    auto_submitted: bool = False
    attachments: Sequence[ParsedAttachment] = field(default_factory=tuple)


class MailParser(Protocol):
    def __call__(self, raw_path: Path, attachment_dir: Path) -> ParsedMail:
        """Parse the raw file; attachments go under ``attachment_dir``; or ``MailRefused``."""
        ...


@dataclass(frozen=True, slots=True)
class NewRawMail:
    digest: str
    size: int
    path: str
    source: str
    mailbox: str
    imap_uidvalidity: int | None = None
    imap_uid: int | None = None


@dataclass(frozen=True, slots=True)
class OutboundEmail:
    message_id: MessageId
    rfc_message_id: str
    case_id: CaseId
    sent_at: datetime | None


class EmailRepository(Protocol):
    def add_raw(self, raw: NewRawMail, *, at: datetime) -> RawId: ...
    def pending(self, *, limit: int) -> list[RawMail]: ...
    def raw(self, raw_id: RawId) -> RawMail | None: ...
    def quarantine(self, raw_id: RawId, reason: str, *, at: datetime) -> None: ...
    def mark_imported(
        self, raw_id: RawId, *, external_id: str, message_id: MessageId, at: datetime
    ) -> None: ...
    def add_attachments(
        self, raw_id: RawId, message_id: MessageId, found: Sequence[ParsedAttachment]
    ) -> None: ...
    def quarantined(self, *, limit: int) -> list[RawMail]: ...
    def case_for_message_ids(self, ids: Sequence[str]) -> CaseId | None: ...
    def outbound(self, message_id: MessageId) -> OutboundEmail | None: ...
    def add_outbound(self, found: OutboundEmail, *, outbox_event_id: int) -> None: ...
    def mark_sent(self, message_id: MessageId, *, at: datetime) -> None: ...
    def thread_of_case(self, case_id: CaseId) -> tuple[str | None, list[str]]: ...
    def imap_state(self, mailbox: str) -> tuple[int, int] | None: ...
    def set_imap_state(
        self, mailbox: str, *, uidvalidity: int, last_uid: int, at: datetime
    ) -> None: ...
    def imported_uids(self, mailbox: str, uidvalidity: int) -> set[int]: ...
