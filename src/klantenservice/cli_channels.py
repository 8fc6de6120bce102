"""The worker's WhatsApp and SMS senders, built from settings (``cli_worker.py`` adds them).

A channel is sent on only when its credentials are configured: WhatsApp needs
``KS_WHATSAPP_ACCESS_TOKEN`` and ``KS_WHATSAPP_PHONE_NUMBER_ID``; SMS needs
``KS_TWILIO_ACCOUNT_SID``, ``KS_TWILIO_AUTH_TOKEN`` and ``KS_TWILIO_FROM_NUMBER``. Without
them the channel's messages are not silently dropped: ``NotConfigured`` refuses each one, so
its ``outbound_deliveries`` row says "refused" and names the missing settings.
"""

from __future__ import annotations

from typing import cast

from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.sms.twilio_sender import TwilioSmsSender
from klantenservice.adapters.whatsapp.cloud_api import CloudApiSender
from klantenservice.domain.vocabulary import Channel
from klantenservice.services.messaging_ports import SendRefused, TemplateSend
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.settings import Settings
from klantenservice.workers.messaging_outbound import ChannelSender


class NotConfigured:
    """The sender of a channel without credentials: refuses, naming what is missing."""

    def __init__(self, channel: Channel, settings: str) -> None:
        self._reason = f"{channel.value}: not configured ({settings})"

    def send(self, *, to: str, body: str, template: TemplateSend | None) -> str:
        raise SendRefused(self._reason)


def channel_senders(
    settings: Settings, factory: SqlUnitOfWorkFactory, clock: Clock
) -> list[ChannelSender]:
    uow = cast(UnitOfWorkFactory, factory)
    senders: list[ChannelSender] = []
    if settings.whatsapp_access_token and settings.whatsapp_phone_number_id:
        cloud_api = CloudApiSender(
            base_url=settings.whatsapp_api_base,
            version=settings.whatsapp_api_version,
            phone_number_id=settings.whatsapp_phone_number_id,
            access_token=settings.whatsapp_access_token,
            timeout=settings.channel_timeout_seconds,
        )
        senders.append(ChannelSender(Channel.WHATSAPP, uow, cloud_api, clock))
    else:
        missing = NotConfigured(
            Channel.WHATSAPP, "KS_WHATSAPP_ACCESS_TOKEN, KS_WHATSAPP_PHONE_NUMBER_ID"
        )
        senders.append(ChannelSender(Channel.WHATSAPP, uow, missing, clock))
    twilio = twilio_sms_sender(settings)
    if twilio is not None:
        senders.append(ChannelSender(Channel.SMS, uow, twilio, clock))
    else:
        missing = NotConfigured(
            Channel.SMS, "KS_TWILIO_ACCOUNT_SID, KS_TWILIO_AUTH_TOKEN, KS_TWILIO_FROM_NUMBER"
        )
        senders.append(ChannelSender(Channel.SMS, uow, missing, clock))
    return senders


def twilio_sms_sender(settings: Settings) -> TwilioSmsSender | None:
    """SMS through Twilio (KS_TWILIO_*): replies to customers and emergency alerts."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    if not settings.twilio_from_number:
        return None
    return TwilioSmsSender(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number=settings.twilio_from_number,
        api_base=settings.twilio_api_base,
        public_base_url=settings.public_base_url,
        timeout=settings.channel_timeout_seconds,
    )
