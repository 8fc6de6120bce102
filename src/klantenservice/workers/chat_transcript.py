"""Outbox handler: e-mails a chat transcript the customer asked for in the widget.

``chat.transcript_requested`` carries ids only; this handler reads the address and the
customer-visible messages (``services/chat_transcript.py``), has the mail written in the
customer's language by ``render`` (the widget's catalogues, ``web/widget/transcript_mail.py``,
wired in by ``cli_worker.py``), sends it through a ``Mailer`` (SMTP) and records it as sent.
A mail server failure is a ``DeliveryError``: the outbox retries with backoff.

Logs name the transcript and the outbox event only: no address, no message text.
"""

from __future__ import annotations

import logging
from typing import Protocol

from klantenservice.services.chat_transcript import (
    TOPIC,
    Transcript,
    mark_sent,
    transcript_to_send,
)
from klantenservice.services.mail import Mailer, MailError, OutgoingMail
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.workers.outbox_dispatcher import DeliveryError, OutboxEvent

log = logging.getLogger(__name__)


class TranscriptRenderer(Protocol):
    def __call__(self, transcript: Transcript) -> tuple[str, str]:
        """The mail's subject and plain-text body, in ``transcript.language``."""
        ...


class TranscriptMailHandler:
    name = "chat-transcript"

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        mailer: Mailer,
        render: TranscriptRenderer,
        clock: Clock,
        *,
        message_domain: str = "klantenservice.invalid",
    ) -> None:
        self._uow = uow_factory
        self._mailer = mailer
        self._render = render
        self._clock = clock
        self._domain = message_domain

    def accepts(self, topic: str) -> bool:
        return topic == TOPIC

    def deliver(self, event: OutboxEvent) -> None:
        transcript_id = int(event.payload["transcript_id"])
        transcript = transcript_to_send(self._uow(), transcript_id)
        if transcript is None:
            log.info("chat transcript %s was sent before (event %s)", transcript_id, event.id)
            return
        subject, text = self._render(transcript)
        mail = OutgoingMail(
            to=transcript.email,
            subject=subject,
            text=text,
            language=transcript.language.value,
            message_id=f"<chat-transcript-{transcript.id}@{self._domain}>",
        )
        try:
            self._mailer.send(mail)
        except MailError as error:
            raise DeliveryError(str(error)) from None
        mark_sent(self._uow(), transcript_id=transcript_id, now=self._clock.now())
        log.info("chat transcript %s sent (event %s)", transcript_id, event.id)
