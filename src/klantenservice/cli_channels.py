"""The worker's WhatsApp and SMS senders, built from settings (``cli_worker.py`` adds them).

A channel is sent on only when its credentials are configured: WhatsApp needs
``KS_WHATSAPP_ACCESS_TOKEN`` and ``KS_WHATSAPP_PHONE_NUMBER_ID``; SMS needs
``KS_TWILIO_ACCOUNT_SID``, ``KS_TWILIO_AUTH_TOKEN`` and ``KS_TWILIO_FROM_NUMBER``. Without
them no handler takes the channel's ``message.outbound`` events, and the dispatcher marks them
delivered with nothing sent, as for any event no handler accepts (docs/subsystems/outbox.md);
the message has no ``outbound_deliveries`` row, which is how an operator finds them.
"""

from __future__ import annotations

from typing import cast

from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.sms.twilio_sender import TwilioSmsSender
from klantenservice.adapters.whatsapp.cloud_api import CloudApiSender
from klantenservice.domain.vocabulary import Channel
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.settings import Settings
from klantenservice.workers.messaging_outbound import ChannelSender


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
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number:
        twilio = TwilioSmsSender(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            api_base=settings.twilio_api_base,
            public_base_url=settings.public_base_url,
            timeout=settings.channel_timeout_seconds,
        )
        senders.append(ChannelSender(Channel.SMS, uow, twilio, clock))
    return senders
