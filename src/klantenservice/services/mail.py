"""Outgoing e-mail as a port: what a mail is, and who sends it (``adapters/mail/``).

Services and workers build an ``OutgoingMail``; an adapter (SMTP: ``adapters/mail/smtp.py``)
delivers it. A ``MailError``'s text is stored as the outbox row's ``last_error`` and logged,
so adapters write it without addresses or contents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class MailError(Exception):
    """Delivery failed; the message names the server and the reason, never the mail."""


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: str
    subject: str
    text: str  # plain text: customer-written text is never interpreted as HTML
    language: str  # Content-Language
    message_id: str  # the same for a retry of the same mail, so receivers can deduplicate
    # threading (replies to a customer's e-mail, services/email_outbound.py)
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    automatic: bool = True  # RFC 3834 Auto-Submitted; False for a person's reply


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> None:
        """Deliver ``mail`` or raise ``MailError``."""
        ...
