"""Messages: every contact on every channel, as one shape.

A message belongs to exactly one case. Inbound messages carry the provider's ``external_id``;
the store keeps ``(channel, external_id)`` unique, which is what makes intake idempotent (the
same webhook or e-mail twice stores one message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import (
    AgentId,
    AuthorKind,
    CaseId,
    Channel,
    Direction,
    MessageId,
)

MAX_BODY_BYTES = 1_000_000  # the "say 1 MB"; larger content goes in attachments
MAX_EXTERNAL_ID_LENGTH = 255

_ALLOWED_AUTHORS: dict[Direction, frozenset[AuthorKind]] = {
    Direction.INBOUND: frozenset({AuthorKind.CUSTOMER, AuthorKind.SYSTEM}),
    Direction.OUTBOUND: frozenset({AuthorKind.AGENT, AuthorKind.BOT, AuthorKind.SYSTEM}),
    Direction.INTERNAL: frozenset({AuthorKind.AGENT, AuthorKind.SYSTEM, AuthorKind.BOT}),
}


def check_body(body: str) -> str:
    if not body.strip():
        raise ValidationError("message body is empty")
    size = len(body.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise ValidationError(
            f"message body is {size} bytes; the limit is {MAX_BODY_BYTES} bytes (1 MB)"
        )
    return body


@dataclass(frozen=True, slots=True)
class Message:
    id: MessageId | None
    case_id: CaseId
    channel: Channel
    direction: Direction
    author_kind: AuthorKind
    body: str
    created_at: datetime
    external_id: str | None = None
    author_agent_id: AgentId | None = None
    sent_at: datetime | None = None  # the provider's timestamp, when it gave one
    subject: str | None = None

    def __post_init__(self) -> None:
        check_body(self.body)
        if self.author_kind not in _ALLOWED_AUTHORS[self.direction]:
            raise ValidationError(
                f"a {self.direction.value} message cannot be written by a {self.author_kind.value}"
            )
        internal = self.channel is Channel.INTERNAL_NOTE
        if internal != (self.direction is Direction.INTERNAL):
            raise ValidationError("internal notes, and only they, have direction 'internal'")
        if self.external_id is not None and not (
            0 < len(self.external_id) <= MAX_EXTERNAL_ID_LENGTH
        ):
            raise ValidationError(f"external id must be 1..{MAX_EXTERNAL_ID_LENGTH} characters")

    @property
    def is_public_reply(self) -> bool:
        """An answer the customer sees from a person; this is what stops response clocks."""
        return self.direction is Direction.OUTBOUND and self.author_kind is AuthorKind.AGENT
