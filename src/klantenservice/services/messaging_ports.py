"""What the WhatsApp and SMS use cases need from the store: the ``MessagingRepository`` port.

Kept apart from ``ports.py`` (like ``chat_ports.py``) so these channels' storage can grow
without touching the core ports; ``adapters/db/repositories/messaging.py`` implements it and
the unit of work offers it as ``uow.messaging``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from klantenservice.domain.customers import ContactKind
from klantenservice.domain.vocabulary import Channel, CustomerId, MessageId


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """A media attachment of an inbound message as the provider describes it (no bytes)."""

    media_id: str
    kind: str  # image, audio, video, document, sticker
    mime_type: str | None = None
    sha256: str | None = None
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class TemplateSend:
    name: str
    language: str
    parameters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Delivery:
    """An outbound message handed to a provider: ``sending`` until it answered."""

    message_id: MessageId
    channel: Channel
    outbox_event_id: int
    state: str  # sending | accepted | refused
    provider_id: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class StatusRecord:
    status: str
    at: datetime
    error_code: str | None


class MessagingRepository(Protocol):
    def last_inbound_at(self, customer_id: CustomerId, channel: Channel) -> datetime | None:
        """When the customer's latest inbound message on ``channel`` was sent (or received)."""
        ...

    def contact_value(self, customer_id: CustomerId, kind: ContactKind) -> str | None:
        """The customer's newest contact point of ``kind`` (the address we answer on)."""
        ...

    def sms_opted_out(self, phone: str) -> bool: ...
    def add_consent_event(
        self, *, message_sid: str, phone: str, keyword: str, opted_out: bool, at: datetime
    ) -> bool:
        """Record a STOP/START text once per MessageSid; False if it was recorded before."""
        ...

    def add_media(self, message_id: MessageId, channel: Channel, media: MediaInfo) -> bool: ...
    def media_of(self, message_id: MessageId) -> Sequence[MediaInfo]: ...
    def add_status(
        self,
        *,
        channel: Channel,
        provider_id: str,
        status: str,
        at: datetime,
        error_code: str | None,
    ) -> bool:
        """Record a status callback once per (provider id, status); False if known."""
        ...

    def statuses(self, channel: Channel, provider_id: str) -> Sequence[StatusRecord]: ...
    def add_template_send(self, message_id: MessageId, template: TemplateSend) -> None: ...
    def template_send(self, message_id: MessageId) -> TemplateSend | None: ...
    def delivery(self, message_id: MessageId) -> Delivery | None: ...
    def delivery_by_provider_id(self, channel: Channel, provider_id: str) -> Delivery | None: ...
    def claim_delivery(
        self, *, message_id: MessageId, channel: Channel, outbox_event_id: int, at: datetime
    ) -> None:
        """Mark the message ``sending`` for this outbox event (insert or take over)."""
        ...

    def finish_delivery(
        self,
        message_id: MessageId,
        *,
        state: str,
        provider_id: str | None,
        error: str | None,
        at: datetime,
    ) -> None: ...


class SendRefused(Exception):
    """The provider refused the message for good (bad number, template, opted out): no retry.

    Its text is stored as the delivery's error: a code or short reason, never message text.
    """


class SendFailed(Exception):
    """The provider could not be reached or failed (timeout, 5xx, 429): try again later."""


class OutboundSender(Protocol):
    """A channel's provider client; returns the provider's id of the accepted message."""

    def send(self, *, to: str, body: str, template: TemplateSend | None) -> str: ...
