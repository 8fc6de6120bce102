"""Outbox handler: sends an agent's reply on an e-mail case through SMTP, threaded.

Accepts ``message.outbound`` and acts only on events of channel ``email`` (the other channels'
handlers take theirs). Idempotent on the event (and on the message, which has one event):
``services/email_outbound.reply_to_send`` answers None once the reply was sent, and a resend
after a crash carries the same stored Message-ID. A mail server failure is a
``DeliveryError``: the outbox retries with backoff. Logs name the message and event only.
"""

from __future__ import annotations

import logging

from klantenservice.domain.vocabulary import Channel, MessageId
from klantenservice.services.email_outbound import NoAddress, mark_sent, reply_to_send
from klantenservice.services.mail import Mailer, MailError, OutgoingMail
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.workers.outbox_dispatcher import DeliveryError, OutboxEvent

log = logging.getLogger(__name__)
TOPIC = "message.outbound"


class EmailReplyHandler:
    name = "email-reply"

    def __init__(
        self, uow_factory: UnitOfWorkFactory, mailer: Mailer, clock: Clock, *, domain: str
    ) -> None:
        self._uow = uow_factory
        self._mailer = mailer
        self._clock = clock
        self._domain = domain

    def accepts(self, topic: str) -> bool:
        return topic == TOPIC

    def deliver(self, event: OutboxEvent) -> None:
        if event.payload.get("channel") != Channel.EMAIL.value:
            return
        message_id = MessageId(int(event.payload["message_id"]))
        try:
            reply = reply_to_send(
                self._uow, message_id=message_id, event_id=event.id, domain=self._domain
            )
        except NoAddress as error:
            raise DeliveryError(str(error)) from None
        if reply is None:
            log.info("email reply %s sent before (event %s)", message_id, event.id)
            return
        mail = OutgoingMail(
            to=reply.to,
            subject=reply.subject,
            text=reply.text,
            language=reply.language,
            message_id=reply.rfc_message_id,
            in_reply_to=reply.in_reply_to,
            references=reply.references,
            automatic=False,
        )
        try:
            self._mailer.send(mail)
        except MailError as error:
            raise DeliveryError(str(error)) from None
        mark_sent(self._uow, message_id=message_id, now=self._clock.now())
        log.info("email reply %s sent (event %s)", message_id, event.id)
