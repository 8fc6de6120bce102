"""WhatsApp and SMS use cases beside the intake: templates, media, statuses, consent, sending.

Inbound messages themselves go through the intake (``services/inbound.py``), idempotent on the
provider's message id. What a webhook carries beyond the message is recorded here, each in its
own short transaction after the intake stored the message and before the webhook answers 2xx;
every one is idempotent, so the provider's retry of a half-handled webhook completes it:

- media of a WhatsApp message (media id, type, hash; the bytes stay at Meta until fetched);
- status callbacks (sent, delivered, read, failed), by the provider's message id;
- SMS consent keywords (STOP, START...), by MessageSid.

Outbound (``workers/messaging_outbound.py``): ``start_delivery`` claims an agent's message for
its outbox event and says what to send; ``finish_delivery`` records the provider's answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain import sms
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.messages import Message
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import CaseId, Channel, Direction, MessageId, Role
from klantenservice.domain.whatsapp import TemplateRegistry
from klantenservice.services import access
from klantenservice.services.channel_rules import recipient_for
from klantenservice.services.messages import store_agent_message
from klantenservice.services.messaging_ports import (
    Delivery,
    MediaInfo,
    StatusRecord,
    TemplateSend,
)
from klantenservice.services.ports import Actor, UnitOfWork, UnitOfWorkFactory

OPTED_OUT = "opted_out"


def channel_actor(channel: Channel) -> Actor:
    """Who the intake records for a webhook whose provider signature was checked."""
    return Actor(kind="channel", id=None, roles=frozenset({Role.INTEGRATION}), name=channel.value)


# -- agents ------------------------------------------------------------------------------------


def send_whatsapp_template(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: CaseId,
    name: str,
    language: str,
    parameters: Sequence[str],
    registry: TemplateRegistry,
    now: datetime,
) -> Message:
    """An approved template on the case's customer's WhatsApp: allowed outside the window.

    The stored message's body is the template's text with the parameters filled in, which is
    what the customer reads; the handler sends name, language and parameters to Meta.
    """
    template = registry.get(name, language)
    body = template.render(parameters)
    with uow:
        case = access.get_case_to_work_on(uow, actor, case_id, permission=Permission.MESSAGE_WRITE)
        recipient_for(uow, case, Channel.WHATSAPP)
        _case, message = store_agent_message(
            uow,
            actor=actor,
            case=case,
            body=body,
            now=now,
            channel=Channel.WHATSAPP,
            action="message.sent",
        )
        assert message.id is not None
        uow.messaging.add_template_send(
            message.id, TemplateSend(template.name, template.language, tuple(parameters))
        )
        payload = {"message_id": message.id, "case_id": case.id, "channel": "whatsapp"}
        uow.outbox.add(DomainEvent("message.outbound", payload, now))
        uow.commit()
        return message


# -- webhooks ----------------------------------------------------------------------------------


def record_media(
    uow_factory: UnitOfWorkFactory,
    *,
    message_id: MessageId,
    channel: Channel,
    media: Sequence[MediaInfo],
) -> None:
    with uow_factory() as uow:
        for item in media:
            uow.messaging.add_media(message_id, channel, item)
        uow.commit()


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    provider_id: str
    status: str
    at: datetime
    error_code: str | None = None


def record_statuses(
    uow_factory: UnitOfWorkFactory, *, channel: Channel, updates: Sequence[StatusUpdate]
) -> int:
    """Record status callbacks; returns how many were new. Unknown ids are kept too: Meta may
    report "sent" before our send's answer named the message's id."""
    added = 0
    with uow_factory() as uow:
        for update in updates:
            added += uow.messaging.add_status(
                channel=channel,
                provider_id=update.provider_id,
                status=update.status,
                at=update.at,
                error_code=update.error_code,
            )
        uow.commit()
    return added


def record_consent(
    uow_factory: UnitOfWorkFactory,
    *,
    message_sid: str,
    phone: str,
    change: sms.ConsentChange,
    now: datetime,
) -> bool:
    """A STOP or START text from ``phone`` (E.164); audited, since it binds what agents may do."""
    with uow_factory() as uow:
        added = uow.messaging.add_consent_event(
            message_sid=message_sid,
            phone=phone,
            keyword=change.keyword,
            opted_out=change.opted_out,
            at=now,
        )
        if added:
            uow.audit.record(
                actor=channel_actor(Channel.SMS),
                action="sms.opted_out" if change.opted_out else "sms.opted_in",
                subject_type="sms_consent",
                subject_id=message_sid,
                at=now,
                details={"keyword": change.keyword},
            )
        uow.commit()
        return added


def sms_opted_out(uow_factory: UnitOfWorkFactory, phone: str) -> bool:
    with uow_factory(read_only=True) as uow:
        return uow.messaging.sms_opted_out(phone)


def delivery_of(
    uow_factory: UnitOfWorkFactory, message_id: MessageId
) -> tuple[Delivery | None, Sequence[StatusRecord]]:
    """An outbound message's delivery and the status callbacks received for it."""
    with uow_factory(read_only=True) as uow:
        delivery = uow.messaging.delivery(message_id)
        if delivery is None or delivery.provider_id is None:
            return delivery, ()
        return delivery, uow.messaging.statuses(delivery.channel, delivery.provider_id)


# -- outbound ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboundWork:
    """What a channel's sender sends: to whom, the text, or the template that replaces it."""

    message_id: MessageId
    channel: Channel
    recipient: str
    body: str
    template: TemplateSend | None = None


def start_delivery(
    uow_factory: UnitOfWorkFactory,
    *,
    message_id: MessageId,
    channel: Channel,
    outbox_event_id: int,
    now: datetime,
) -> OutboundWork | None:
    """Claim ``message_id`` for sending; None when there is nothing (more) to send.

    Nothing to send: the message was accepted or refused before (a retried outbox event), or
    it is not an outbound message of ``channel``. An SMS to a number that opted out since
    the reply was written is recorded as refused, not sent.
    """
    with uow_factory() as uow:
        message = uow.messages.get(message_id)
        if (
            message is None
            or message.channel is not channel
            or message.direction is not Direction.OUTBOUND
        ):
            return None
        done = uow.messaging.delivery(message_id)
        if done is not None and done.state != "sending":
            return None
        case = uow.cases.get(message.case_id)
        assert case is not None
        recipient = recipient_for(uow, case, channel)
        uow.messaging.claim_delivery(
            message_id=message_id, channel=channel, outbox_event_id=outbox_event_id, at=now
        )
        if channel is Channel.SMS and uow.messaging.sms_opted_out(recipient):
            uow.messaging.finish_delivery(
                message_id, state="refused", provider_id=None, error=OPTED_OUT, at=now
            )
            uow.commit()
            return None
        template = uow.messaging.template_send(message_id)
        uow.commit()
        return OutboundWork(message_id, channel, recipient, message.body, template)


def finish_delivery(
    uow_factory: UnitOfWorkFactory,
    *,
    message_id: MessageId,
    provider_id: str | None,
    error: str | None,
    now: datetime,
) -> None:
    """The provider accepted (its id) or refused (a short reason, never message text)."""
    if (provider_id is None) == (error is None):
        raise ValidationError("a delivery ends with a provider id or an error, not both")
    state = "accepted" if provider_id is not None else "refused"
    with uow_factory() as uow:
        uow.messaging.finish_delivery(
            message_id, state=state, provider_id=provider_id, error=error, at=now
        )
        uow.commit()
