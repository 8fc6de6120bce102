"""Outbox handler: sends agents' WhatsApp and SMS messages through the channel's provider.

One ``ChannelSender`` per channel (wired in ``cli_worker.py``): it takes ``message.outbound``
events of its own channel and ignores the others. Per event:

    start_delivery (claim: "sending", for this outbox event) ─► provider.send ─► finish_delivery
      already accepted/refused ─► nothing (a retried event)      accepted: provider's id
      SMS to an opted-out number ─► refused, not sent           refused: short reason
                                                                 unreachable: DeliveryError,
                                                                 the outbox retries

Idempotent on the outbox event: a message that was accepted or refused is never sent again.
A crash after the provider accepted and before its id was recorded leaves "sending", and the
retry sends again (at least once: neither Meta nor Twilio takes an idempotency key). Logs name
the message and event ids only: no numbers, no text.
"""

from __future__ import annotations

import logging

from klantenservice.domain.vocabulary import Channel, MessageId
from klantenservice.services import messaging
from klantenservice.services.messaging_ports import OutboundSender, SendFailed, SendRefused
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.workers.outbox_dispatcher import DeliveryError, OutboxEvent

log = logging.getLogger(__name__)
TOPIC = "message.outbound"


class ChannelSender:
    def __init__(
        self,
        channel: Channel,
        uow_factory: UnitOfWorkFactory,
        sender: OutboundSender,
        clock: Clock,
    ) -> None:
        self.name = f"{channel.value}-sender"
        self._channel = channel
        self._uow = uow_factory
        self._sender = sender
        self._clock = clock

    def accepts(self, topic: str) -> bool:
        return topic == TOPIC

    def deliver(self, event: OutboxEvent) -> None:
        if event.payload.get("channel") != self._channel.value:
            return
        message_id = MessageId(int(event.payload["message_id"]))
        work = messaging.start_delivery(
            self._uow,
            message_id=message_id,
            channel=self._channel,
            outbox_event_id=event.id,
            now=self._clock.now(),
        )
        if work is None:
            log.info("%s: message %s needs no sending (event %s)", self.name, message_id, event.id)
            return
        try:
            provider_id = self._sender.send(
                to=work.recipient, body=work.body, template=work.template
            )
        except SendRefused as refused:
            messaging.finish_delivery(
                self._uow,
                message_id=message_id,
                provider_id=None,
                error=str(refused)[:200],
                now=self._clock.now(),
            )
            log.warning("%s: message %s refused: %s", self.name, message_id, refused)
            return
        except SendFailed as failed:
            raise DeliveryError(str(failed)) from None
        messaging.finish_delivery(
            self._uow,
            message_id=message_id,
            provider_id=provider_id,
            error=None,
            now=self._clock.now(),
        )
        log.info("%s: message %s accepted (event %s)", self.name, message_id, event.id)
