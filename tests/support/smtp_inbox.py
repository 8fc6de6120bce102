"""A real SMTP server (aiosmtpd on 127.0.0.1) that keeps what it receives, for outgoing mail."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Inbox:
    """An aiosmtpd handler keeping what it received; ``refuse`` answers 550 instead."""

    def __init__(self) -> None:
        self.mails: list[tuple[Envelope, EmailMessage]] = []
        self.refuse = False

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = cast(bytes, envelope.content)
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        self.mails.append((envelope, parsed))
        return "250 Message accepted"


@contextmanager
def running_inbox() -> Iterator[tuple[Inbox, int]]:
    """The inbox and its port, for the length of the block."""
    handler = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks its own start by connecting: no port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
