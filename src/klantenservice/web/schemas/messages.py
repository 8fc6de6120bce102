"""Inbound messages (intake), replies, notes and the messages of a case."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from klantenservice.domain.cases import format_reference
from klantenservice.domain.messages import Message
from klantenservice.domain.vocabulary import AuthorKind, Channel, CustomerId, Direction, Language
from klantenservice.services.inbound import InboundMessage, IntakeResult
from klantenservice.web.schemas.common import PriorityName, RequestModel, ResponseModel, priority_of
from klantenservice.web.schemas.customers import ContactIn

# The domain refuses bodies over 1 MB with a message that says so (422); the request size
# limit (web/errors.py) is higher, so a too-long body is explained rather than cut off.


class InboundIn(RequestModel):
    """A customer's message from an integration; ``external_id`` makes it idempotent."""

    channel: Channel
    body: str
    external_id: str | None = Field(default=None, min_length=1, max_length=255)
    customer_id: int | None = None
    contact: ContactIn | None = None
    customer_name: str | None = Field(default=None, max_length=200)
    language: Language | None = None
    subject: str | None = Field(default=None, max_length=300)
    case_reference: str | None = Field(default=None, max_length=20, examples=["KS-000123"])
    queue: str | None = Field(default=None, max_length=100)
    priority: PriorityName | None = None
    category: str | None = Field(default=None, max_length=100)
    required_skills: list[str] = Field(default_factory=list, max_length=20)
    sent_at: AwareDatetime | None = None

    def to_domain(self, *, idempotency_key: str | None) -> InboundMessage:
        return InboundMessage(
            channel=self.channel,
            body=self.body,
            external_id=self.external_id or idempotency_key,
            customer_id=None if self.customer_id is None else CustomerId(self.customer_id),
            contact=None if self.contact is None else self.contact.parse(),
            customer_name=self.customer_name,
            language=self.language,
            subject=self.subject,
            case_reference=self.case_reference,
            queue=self.queue,
            priority=None if self.priority is None else priority_of(self.priority),
            category=self.category,
            required_skills=frozenset(self.required_skills),
            sent_at=self.sent_at,
        )


class IntakeOut(ResponseModel):
    message_id: int
    case_id: int
    case_reference: str
    customer_id: int
    duplicate: bool
    case_created: bool
    reopened: bool
    assigned_agent_id: int | None
    routing: list[str]
    promise_due_at: datetime | None

    @classmethod
    def of(cls, result: IntakeResult) -> IntakeOut:
        return cls(
            message_id=result.message_id,
            case_id=result.case_id,
            case_reference=format_reference(result.case_id),
            customer_id=result.customer_id,
            duplicate=result.duplicate,
            case_created=result.case_created,
            reopened=result.reopened,
            assigned_agent_id=result.assigned_agent_id,
            routing=list(result.routing),
            promise_due_at=result.promise_due_at,
        )


class MessageOut(ResponseModel):
    id: int
    case_id: int
    channel: Channel
    direction: Direction
    author_kind: AuthorKind
    author_agent_id: int | None
    body: str
    subject: str | None
    external_id: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        assert message.id is not None
        return cls(
            id=message.id,
            case_id=message.case_id,
            channel=message.channel,
            direction=message.direction,
            author_kind=message.author_kind,
            author_agent_id=message.author_agent_id,
            body=message.body,
            subject=message.subject,
            external_id=message.external_id,
            created_at=message.created_at,
            sent_at=message.sent_at,
        )


class ReplyIn(RequestModel):
    body: str
    channel: Channel | None = Field(default=None, description="default: the case's channel")


class NoteIn(RequestModel):
    body: str
