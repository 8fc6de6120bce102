"""Helpers for the e-mail tests: compose mails, store them raw, import them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

from tests.services.world import T0, World

from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.adapters.mail.raw_store import store_bytes
from klantenservice.services.email_intake import ImportReport, import_pending, store_raw
from klantenservice.services.email_ports import NewRawMail, RawId
from klantenservice.services.inbound import IntakeOptions


def compose(
    *,
    sender: str = "Jan Jansen <jan@example.nl>",
    to: str = "klantenservice@polderbank.example",
    cc: str | None = None,
    subject: str = "Vraag over rente",
    text: str | None = "Wat is de rente op mijn spaarrekening?",
    html: str | None = None,
    message_id: str | None = "<m1@example.nl>",
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Date"] = "Mon, 23 Nov 2026 08:55:00 +0000"
    if message_id:
        mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    for name, value in (headers or {}).items():
        mail[name] = value
    if text is not None:
        mail.set_content(text)
    if html is not None:
        if text is None:
            mail.set_content(html, subtype="html")
        else:
            mail.add_alternative(html, subtype="html")
    return mail


@dataclass
class Mailroom:
    world: World
    root: Path
    minutes: int = 0

    @property
    def attachments(self) -> Path:
        return self.root / "attachments"

    def store(self, data: bytes | EmailMessage, *, mailbox: str = "klantenservice") -> RawId:
        raw = data if isinstance(data, bytes) else data.as_bytes()
        stored = store_bytes(self.root / "raw", raw, suffix=".eml")
        new = NewRawMail(stored.digest, stored.size, str(stored.path), "smtp", mailbox)
        return store_raw(self.world.uow, new, now=T0)

    def run(self, *, parser: MailFileParser | None = None) -> ImportReport:
        self.minutes += 1
        return import_pending(
            self.world.uow,
            parser or MailFileParser(),
            self.attachments,
            now=T0 + timedelta(minutes=self.minutes),
            options=IntakeOptions(auto_assign=False),
        )

    def deliver(self, *mails: bytes | EmailMessage) -> ImportReport:
        for mail in mails:
            self.store(mail)
        return self.run()
