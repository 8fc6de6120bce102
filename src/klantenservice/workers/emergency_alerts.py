"""The emergency lane in the worker: the escalation sweep, the alerts, the card blocks.

- ``EscalationSweeper`` runs ``services/emergency_lane.sweep_escalations`` every
  ``KS_EMERGENCY_SWEEP_SECONDS`` (10 s: a rung fires at most that late).
- ``EscalationAlerter`` (an outbox handler) turns ``emergency.escalated`` into an e-mail, an SMS
  and a signed webhook to the contacts of that level (``KS_EMERGENCY_ESCALATION``), and
  ``card_block.failed`` into the same alert at level 1: a card nobody blocked is an emergency of
  its own. Alerts carry references and times, never a name, a number or a message.
- ``CardBlocker`` (an outbox handler) sends ``card_block.requested`` to the core-banking system.

Delivery is at least once: a channel that fails makes the outbox retry the event, and the
channels that had succeeded are sent again (the mail keeps its Message-ID, the webhook its
Idempotency-Key, so receivers can drop the repeat).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError

from klantenservice.domain.emergency import DEFAULT_LADDER, EscalationStep
from klantenservice.services.card_blocks import BlockUnavailable, CoreBanking, send_block
from klantenservice.services.emergency_lane import Escalated, sweep_escalations
from klantenservice.services.mail import Mailer, MailError, OutgoingMail
from klantenservice.services.messaging_ports import SendFailed, SendRefused
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.workers.outbox_dispatcher import (
    DeliveryError,
    OutboxEvent,
    WebhookHandler,
    WebhookTarget,
)

log = logging.getLogger(__name__)
ESCALATED = "emergency.escalated"
BLOCK_FAILED = "card_block.failed"
BLOCK_REQUESTED = "card_block.requested"
BLOCK_ATTEMPTS = 5  # then the block is marked failed and the on-call supervisor alerted


class SmsSender(Protocol):
    def send(self, *, to: str, body: str, template: None) -> str: ...


@dataclass(frozen=True, slots=True)
class AlertContact:
    level: int
    email: str | None = None
    sms: str | None = None
    webhook: str | None = None
    webhook_secret: str | None = None


class EscalationSweeper:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ladder: Sequence[EscalationStep] = DEFAULT_LADDER,
    ) -> None:
        self.uow_factory, self.clock, self.ladder = uow_factory, clock, ladder

    def run_once(self) -> list[Escalated]:
        return sweep_escalations(self.uow_factory(), now=self.clock.now(), ladder=self.ladder)

    def run_forever(self, stop_event: threading.Event, poll_seconds: float = 10.0) -> None:
        while not stop_event.is_set():
            try:
                self.run_once()
            except SQLAlchemyError:
                log.exception("escalation sweep failed; retrying in %.1f s", poll_seconds)
            stop_event.wait(poll_seconds)


class EscalationAlerter:
    """Sends each escalation to its level's contacts by e-mail, SMS and webhook."""

    name = "emergency-alerts"

    def __init__(
        self,
        contacts: Sequence[AlertContact],
        *,
        mailer: Mailer | None,
        sms: SmsSender | None,
        desk_url: str,
        timezone: str,
        message_domain: str,
    ) -> None:
        self.contacts = tuple(contacts)
        self.mailer, self.sms = mailer, sms
        # one webhook client per contact, kept for the worker's life (not one per alert)
        self._webhooks = {
            index: WebhookHandler(
                [WebhookTarget(contact.webhook, contact.webhook_secret)], name="emergency-webhook"
            )
            for index, contact in enumerate(self.contacts)
            if contact.webhook
        }
        self.desk_url = desk_url.rstrip("/")
        self.zone = ZoneInfo(timezone)
        self.message_domain = message_domain

    def accepts(self, topic: str) -> bool:
        return topic in (ESCALATED, BLOCK_FAILED)

    def deliver(self, event: OutboxEvent) -> None:
        level = int(event.payload.get("level", 1))
        subject, text = self.compose(event)
        failures: list[str] = []
        for index, contact in enumerate(self.contacts):
            if contact.level == level:
                failures.extend(self._send(index, contact, event, subject, text))
        if failures:
            raise DeliveryError("; ".join(failures))

    def compose(self, event: OutboxEvent) -> tuple[str, str]:
        """Subject and text: references, times and a link; nothing personal."""
        data = event.payload
        case = f"{data.get('case_reference', '')} ({self.desk_url}/desk/cases/{data['case_id']})"
        reference = data.get("reference", "?")
        if event.topic == BLOCK_FAILED:
            subject = f"Card block failed / Pasblokkade mislukt: {reference}"
            text = (
                f"The card block for emergency report {reference} was not confirmed by the "
                f"core-banking system after {data.get('attempts')} attempt(s). Block the card "
                f"by hand and contact the customer. Case: {case}\n\n"
                f"De pasblokkade voor noodmelding {reference} is niet bevestigd. Blokkeer de "
                f"pas handmatig en neem contact op met de klant. Zaak: {case}\n"
            )
            return subject, text
        minutes = data.get("after_minutes")
        reported = self._local(str(data.get("reported_at")))
        subject = (
            f"Emergency {reference}: no human contact after {minutes} min "
            f"(level {data.get('level')})"
        )
        text = (
            f"Emergency report {reference}, received {reported}, has had no human contact for "
            f"{minutes} minutes. The promise is a person within 10 minutes. Case: {case}\n\n"
            f"Noodmelding {reference}, ontvangen {reported}, heeft na {minutes} minuten nog geen "
            f"contact met een medewerker gehad. Belofte: binnen 10 minuten. Zaak: {case}\n"
        )
        return subject, text

    def _local(self, stamp: str) -> str:
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return stamp
        return moment.astimezone(self.zone).strftime("%d-%m-%Y %H:%M:%S")

    def close(self) -> None:
        for webhook in self._webhooks.values():
            webhook.close()

    def _send(
        self, index: int, contact: AlertContact, event: OutboxEvent, subject: str, text: str
    ) -> list[str]:
        failures: list[str] = []
        if contact.email and self.mailer is not None:
            mail = OutgoingMail(
                to=contact.email,
                subject=subject,
                text=text,
                language="en",
                message_id=f"<alert-{event.id}-{contact.level}@{self.message_domain}>",
            )
            try:
                self.mailer.send(mail)
            except MailError as error:
                failures.append(f"e-mail: {error}")
        if contact.sms and self.sms is not None:
            try:
                self.sms.send(to=contact.sms, body=subject, template=None)
            except (SendFailed, SendRefused) as error:  # their texts carry no payload
                failures.append(str(error))
        webhook = self._webhooks.get(index)
        if webhook is not None:
            try:
                webhook.deliver(event)
            except DeliveryError as error:
                failures.append(f"webhook: {error}")
        return failures


class CardBlocker:
    """Sends customers' card-block requests to the core-banking system."""

    name = "card-blocks"

    def __init__(self, uow_factory: UnitOfWorkFactory, core: CoreBanking, clock: Clock) -> None:
        self.uow_factory, self.core, self.clock = uow_factory, core, clock

    def accepts(self, topic: str) -> bool:
        return topic == BLOCK_REQUESTED

    def deliver(self, event: OutboxEvent) -> None:
        report_id = int(event.payload["report_id"])
        last = event.attempt >= BLOCK_ATTEMPTS
        try:
            send_block(
                self.uow_factory, self.core, report_id=report_id, now=self.clock.now(),
                last_attempt=last,
            )  # fmt: skip
        except BlockUnavailable as error:
            raise DeliveryError(f"core banking unavailable: {error}") from None
