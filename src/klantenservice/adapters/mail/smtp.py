"""``Mailer`` over SMTP with the standard library (``smtplib``, ``email``).

One connection per mail: transcripts are rare and a long-lived connection would need
keep-alive handling for nothing. ``security``: ``starttls`` (submission, port 587, the
default), ``tls`` (implicit TLS, port 465) or ``none`` (a relay on localhost or a test
server). TLS verifies the server's certificate against the system's trust store.

Errors become ``MailError`` with the server's host and the kind of failure (refused
recipient, authentication, timeout, the SMTP code) — never the address or the contents,
since the text is logged and stored in the outbox row.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from klantenservice.services.mail import MailError, OutgoingMail

Security = Literal["starttls", "tls", "none"]


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    security: Security = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def send(self, mail: OutgoingMail) -> None:
        message = compose(mail, self.sender)
        try:
            with self._connect() as smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise MailError(f"{self.host}: recipient refused") from None
        except smtplib.SMTPAuthenticationError as error:
            raise MailError(f"{self.host}: authentication failed ({error.smtp_code})") from None
        except smtplib.SMTPResponseException as error:
            raise MailError(f"{self.host}: SMTP {error.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(f"{self.host}: {type(error).__name__}") from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)


def compose(mail: OutgoingMail, sender: str) -> EmailMessage:
    """A plain-text UTF-8 message (quoted-printable, so long lines survive relays)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = mail.message_id
    if mail.automatic:
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
    if mail.references:
        message["References"] = " ".join(mail.references)
    message.set_content(mail.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = mail.language  # after set_content, which clears Content-*
    return message
