"""Agent replies by e-mail: what to send, threaded into the customer's conversation.

The worker (``workers/email_reply.py``) asks ``reply_to_send`` for a ``message.outbound`` event
of channel ``email``. The first time, a Message-ID is generated and stored with the message
(``email_outbound``) in its own commit *before* the mail is sent: a retry after a crash sends
the same Message-ID (receivers deduplicate on it), and a customer answering quickly is threaded
to the case by it (``services/email_intake.thread_case``). After the server accepted the mail,
``mark_sent`` records it; from then on the event is a no-op, however often it is delivered.

Threading headers (RFC 5322 3.6.4): In-Reply-To = the newest Message-ID on the case (the
customer's last mail or our last reply), References = the case's ids oldest first; the subject
carries the case reference (``Re: Pas kwijt [KS-000123]``) for mail programs that drop headers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.customers import ContactKind
from klantenservice.domain.email import reply_subject
from klantenservice.domain.vocabulary import CaseId, Channel, Direction, MessageId
from klantenservice.services.email_ports import OutboundEmail
from klantenservice.services.ports import UnitOfWorkFactory


class NoAddress(Exception):
    """The customer has no e-mail address on record: nothing can be sent (not retried well)."""


@dataclass(frozen=True, slots=True)
class ReplyToSend:
    message_id: MessageId
    case_id: CaseId
    to: str
    subject: str
    text: str
    language: str
    rfc_message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]


def reply_to_send(
    uow_factory: UnitOfWorkFactory, *, message_id: MessageId, event_id: int, domain: str
) -> ReplyToSend | None:
    """The reply to send for this message, or None if it is not an e-mail or was sent."""
    with uow_factory() as uow:
        message = uow.messages.get(message_id)
        if (
            message is None
            or message.channel is not Channel.EMAIL
            or message.direction is not Direction.OUTBOUND
        ):
            return None
        existing = uow.email.outbound(message_id)
        if existing is not None and existing.sent_at is not None:
            return None
        case = uow.cases.get(message.case_id)
        assert case is not None
        customer = uow.customers.get(case.customer_id)
        address = next(
            (
                point.value
                for point in (customer.contact_points if customer else ())
                if point.kind is ContactKind.EMAIL
            ),
            None,
        )
        if address is None:
            raise NoAddress(f"case {case.reference}: the customer has no e-mail address")
        _newest, chain = uow.email.thread_of_case(case.id)
        if existing is None:
            existing = OutboundEmail(
                message_id=message_id,
                rfc_message_id=f"<ks.{message_id}.{secrets.token_hex(6)}@{domain}>",
                case_id=case.id,
                sent_at=None,
            )
            uow.email.add_outbound(existing, outbox_event_id=event_id)
            uow.commit()
        earlier = [token for token in chain if token != existing.rfc_message_id]
        return ReplyToSend(
            message_id=message_id,
            case_id=case.id,
            to=address,
            subject=reply_subject(case.subject, case.id),
            text=message.body,
            language=case.language.value,
            rfc_message_id=existing.rfc_message_id,
            in_reply_to=earlier[-1] if earlier else None,
            references=tuple(earlier[-20:]),
        )


def mark_sent(uow_factory: UnitOfWorkFactory, *, message_id: MessageId, now: datetime) -> None:
    with uow_factory() as uow:
        uow.email.mark_sent(message_id, at=now)
        uow.commit()
