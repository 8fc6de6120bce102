"""What reading customers' attachments needs from the store (``services/attachments.py``).

A port of its own (not on ``EmailRepository``) because it is the desk's and the API's read
side: which attachments a case's messages carry and which case an attachment belongs to.
The rows are written by the e-mail import (``EmailRepository.add_attachments``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from klantenservice.domain.vocabulary import CaseId, MessageId

AttachmentId = int


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """One attachment of a message; ``path`` is None when it was refused (``refused`` says why)."""

    id: AttachmentId
    message_id: MessageId
    case_id: CaseId
    filename: str
    content_type: str
    size: int
    path: str | None
    refused: str | None

    @property
    def stored(self) -> bool:
        return self.path is not None

    @property
    def refusal_kind(self) -> str | None:
        """Why it was not stored, for a translated sentence: ``type``, ``size`` or ``other``.

        ``refused`` is the parser's English reason (``adapters/mail/parse.py``,
        ``EmailLimits.refusal``): "type ... is not accepted" or "... the limit ...".
        """
        if self.refused is None:
            return None
        if self.refused.startswith("type "):
            return "type"
        return "size" if "limit" in self.refused else "other"


class AttachmentRepository(Protocol):
    def for_messages(self, message_ids: Sequence[MessageId]) -> list[StoredAttachment]:
        """The attachments of these messages, in message then arrival order (one query)."""
        ...

    def for_cases(self, case_ids: Sequence[CaseId]) -> list[StoredAttachment]:
        """The attachments of every message of these cases, oldest first."""
        ...

    def get(self, attachment_id: AttachmentId) -> StoredAttachment | None: ...
