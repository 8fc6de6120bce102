"""WhatsApp and SMS records in the store (``services/messaging_ports.MessagingRepository``).

Inserts that a retried webhook repeats (consent keywords, media, status callbacks) look first
and insert inside a savepoint: a concurrent twin that wins the unique constraint makes the
insert a no-op instead of failing the caller's transaction, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Insert, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from klantenservice.adapters.db.tables import (
    cases,
    contact_points,
    delivery_statuses,
    inbound_media,
    messages,
    outbound_deliveries,
    sms_consent_events,
    whatsapp_template_sends,
)
from klantenservice.domain.customers import ContactKind
from klantenservice.domain.vocabulary import Channel, CustomerId, Direction, MessageId
from klantenservice.services.messaging_ports import (
    Delivery,
    MediaInfo,
    StatusRecord,
    TemplateSend,
)


def _delivery(row: Any) -> Delivery:
    return Delivery(
        message_id=MessageId(row.message_id),
        channel=Channel(row.channel),
        outbox_event_id=row.outbox_event_id,
        state=row.state,
        provider_id=row.provider_id,
        error=row.error,
    )


class SqlMessaging:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def _insert_once(self, statement: Insert) -> bool:
        try:
            with self._c.begin_nested():
                self._c.execute(statement)
        except IntegrityError:
            return False
        return True

    def last_inbound_at(self, customer_id: CustomerId, channel: Channel) -> datetime | None:
        when = func.coalesce(messages.c.sent_at, messages.c.created_at)
        row = self._c.execute(
            select(messages.c.sent_at, messages.c.created_at)
            .select_from(messages.join(cases, cases.c.id == messages.c.case_id))
            .where(
                cases.c.customer_id == customer_id,
                messages.c.channel == channel.value,
                messages.c.direction == Direction.INBOUND.value,
            )
            .order_by(when.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return row.sent_at if row.sent_at is not None else row.created_at  # type: ignore[no-any-return]

    def contact_value(self, customer_id: CustomerId, kind: ContactKind) -> str | None:
        return self._c.execute(
            select(contact_points.c.value)
            .where(contact_points.c.customer_id == customer_id, contact_points.c.kind == kind.value)
            .order_by(contact_points.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    def sms_opted_out(self, phone: str) -> bool:
        latest = self._c.execute(
            select(sms_consent_events.c.opted_out)
            .where(sms_consent_events.c.phone == phone)
            .order_by(sms_consent_events.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return bool(latest)

    def add_consent_event(
        self, *, message_sid: str, phone: str, keyword: str, opted_out: bool, at: datetime
    ) -> bool:
        known = self._c.execute(
            select(sms_consent_events.c.id).where(sms_consent_events.c.message_sid == message_sid)
        ).first()
        if known is not None:
            return False
        return self._insert_once(
            insert(sms_consent_events).values(
                message_sid=message_sid, phone=phone, keyword=keyword, opted_out=opted_out, at=at
            )
        )

    def add_media(self, message_id: MessageId, channel: Channel, media: MediaInfo) -> bool:
        known = self._c.execute(
            select(inbound_media.c.id).where(
                inbound_media.c.channel == channel.value,
                inbound_media.c.media_id == media.media_id,
            )
        ).first()
        if known is not None:
            return False
        return self._insert_once(
            insert(inbound_media).values(
                message_id=message_id,
                channel=channel.value,
                media_id=media.media_id,
                kind=media.kind,
                mime_type=media.mime_type,
                sha256=media.sha256,
                filename=media.filename,
            )
        )

    def media_of(self, message_id: MessageId) -> Sequence[MediaInfo]:
        rows = self._c.execute(
            select(inbound_media)
            .where(inbound_media.c.message_id == message_id)
            .order_by(inbound_media.c.id)
        )
        return [
            MediaInfo(row.media_id, row.kind, row.mime_type, row.sha256, row.filename)
            for row in rows
        ]

    def add_status(
        self,
        *,
        channel: Channel,
        provider_id: str,
        status: str,
        at: datetime,
        error_code: str | None,
    ) -> bool:
        key = and_(
            delivery_statuses.c.channel == channel.value,
            delivery_statuses.c.provider_id == provider_id,
            delivery_statuses.c.status == status,
        )
        if self._c.execute(select(delivery_statuses.c.id).where(key)).first() is not None:
            return False
        return self._insert_once(
            insert(delivery_statuses).values(
                channel=channel.value,
                provider_id=provider_id,
                status=status,
                at=at,
                error_code=error_code,
            )
        )

    def statuses(self, channel: Channel, provider_id: str) -> Sequence[StatusRecord]:
        rows = self._c.execute(
            select(delivery_statuses)
            .where(
                delivery_statuses.c.channel == channel.value,
                delivery_statuses.c.provider_id == provider_id,
            )
            .order_by(delivery_statuses.c.at, delivery_statuses.c.id)
        )
        return [StatusRecord(row.status, row.at, row.error_code) for row in rows]

    def add_template_send(self, message_id: MessageId, template: TemplateSend) -> None:
        self._c.execute(
            insert(whatsapp_template_sends).values(
                message_id=message_id,
                name=template.name,
                language=template.language,
                parameters=list(template.parameters),
            )
        )

    def template_send(self, message_id: MessageId) -> TemplateSend | None:
        row = self._c.execute(
            select(whatsapp_template_sends).where(
                whatsapp_template_sends.c.message_id == message_id
            )
        ).first()
        if row is None:
            return None
        return TemplateSend(row.name, row.language, tuple(row.parameters))

    def delivery(self, message_id: MessageId) -> Delivery | None:
        row = self._c.execute(
            select(outbound_deliveries).where(outbound_deliveries.c.message_id == message_id)
        ).first()
        return None if row is None else _delivery(row)

    def delivery_by_provider_id(self, channel: Channel, provider_id: str) -> Delivery | None:
        row = self._c.execute(
            select(outbound_deliveries).where(
                outbound_deliveries.c.channel == channel.value,
                outbound_deliveries.c.provider_id == provider_id,
            )
        ).first()
        return None if row is None else _delivery(row)

    def claim_delivery(
        self, *, message_id: MessageId, channel: Channel, outbox_event_id: int, at: datetime
    ) -> None:
        changed = self._c.execute(
            update(outbound_deliveries)
            .where(outbound_deliveries.c.message_id == message_id)
            .values(outbox_event_id=outbox_event_id, state="sending", updated_at=at)
        ).rowcount
        if not changed:
            self._c.execute(
                insert(outbound_deliveries).values(
                    message_id=message_id,
                    channel=channel.value,
                    outbox_event_id=outbox_event_id,
                    state="sending",
                    created_at=at,
                    updated_at=at,
                )
            )

    def finish_delivery(
        self,
        message_id: MessageId,
        *,
        state: str,
        provider_id: str | None,
        error: str | None,
        at: datetime,
    ) -> None:
        self._c.execute(
            update(outbound_deliveries)
            .where(outbound_deliveries.c.message_id == message_id)
            .values(state=state, provider_id=provider_id, error=error, updated_at=at)
        )
