"""Helpers for the IMAP tests: a private Dovecot, mails put into it, poll + import."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted
from tests.services.email_support import compose
from tests.services.world import FixedClock, World
from tests.support.dovecot import Dovecot, DovecotUnavailable, start_dovecot

from klantenservice.adapters.mail.imap import ImapAccount, ImapFolder, RawFileStore, imap_session
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.services.email_imap import (
    BackfillReport,
    ImapStore,
    PollReport,
    ReconcileReport,
    backfill,
    poll,
    reconcile,
)
from klantenservice.services.email_intake import ImportReport
from klantenservice.services.inbound import IntakeOptions
from klantenservice.workers.email_importer import EmailImporter

__all__ = ["Imap", "compose", "running_dovecot"]


def running_dovecot() -> Iterator[Dovecot]:
    """The body of a ``dovecot`` fixture: skip without Dovecot, fail under CI=true."""
    try:
        server = start_dovecot()
    except DovecotUnavailable as error:
        if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
            pytest.fail(f"{error}\nCI=true: IMAP tests may not be skipped.", pytrace=False)
        pytest.skip(str(error))
    try:
        yield server
    finally:
        server.stop()


def account(server: Dovecot, user: str = "support", folder: str = "INBOX") -> ImapAccount:
    return ImapAccount(
        name=f"{user}/{folder}",
        host=server.host,
        port=server.port,
        user=user,
        password=server.password,
        folder=folder,
        tls="none",
        timeout=10,
    )


@dataclass
class Imap:
    """A world, a Dovecot and the poller's store, wired as ``klantenservice mail poll`` is."""

    world: World
    server: Dovecot
    root: Path
    max_message_bytes: int = 40 * 1024 * 1024
    clock: FixedClock = field(default_factory=FixedClock)
    wakes: int = 0

    def store(self) -> ImapStore:
        def wake() -> None:
            self.wakes += 1

        return ImapStore(
            uow_factory=self.world.uow,
            files=RawFileStore(self.root / "raw"),
            clock=self.clock,
            max_message_bytes=self.max_message_bytes,
            batch=3,  # small, so the tests cross batch boundaries
            on_stored=wake,
        )

    @contextmanager
    def client(self, user: str = "support") -> Iterator[MailBoxUnencrypted]:
        box = MailBoxUnencrypted(self.server.host, self.server.port, timeout=10)
        with box.login(user, self.server.password, initial_folder=None):
            yield box

    def append(
        self,
        *mails: bytes | EmailMessage,
        user: str = "support",
        folder: str = "INBOX",
        flags: tuple[str, ...] = (),
        at: datetime | None = None,
    ) -> None:
        with self.client(user) as box:
            for mail in mails:
                data = mail if isinstance(mail, bytes) else mail.as_bytes()
                box.append(data, folder, dt=at, flag_set=flags or None)

    def flags(self, user: str = "support", folder: str = "INBOX") -> dict[str, tuple[str, ...]]:
        """UID → stored flags (``\\Recent`` is per session, not stored), read-only."""
        with self.client(user) as box:
            box.folder.set(folder, readonly=True)
            typ, data = box.client.uid("FETCH", "1:*", "(UID FLAGS)")
            assert typ == "OK"
        found: dict[str, tuple[str, ...]] = {}
        for line in data:
            if isinstance(line, bytes) and b"UID" in line:
                text = line.decode()
                uid = text.split("UID ")[1].split()[0].rstrip(")")
                inner = text.split("FLAGS (")[1].split(")")[0]
                found[uid] = tuple(sorted(set(inner.split()) - {"\\Recent"}))
        return found

    @contextmanager
    def session(self, user: str = "support", folder: str = "INBOX") -> Iterator[ImapFolder]:
        with imap_session(account(self.server, user, folder)) as opened:
            yield opened

    def poll(self, user: str = "support", folder: str = "INBOX") -> PollReport:
        with self.session(user, folder) as opened:
            return poll(self.store(), opened, f"{user}/{folder}")

    def reconcile(self, *, repair: bool = False, user: str = "support") -> ReconcileReport:
        with self.session(user) as opened:
            return reconcile(self.store(), opened, f"{user}/INBOX", repair=repair)

    def backfill(self, since: datetime, until: datetime) -> BackfillReport:
        with self.session() as opened:
            return backfill(
                self.store(), opened, "support/INBOX", since=since.date(), until=until.date()
            )

    def run_importer(self) -> ImportReport:
        importer = EmailImporter(
            self.world.uow,
            MailFileParser(),
            self.root / "attachments",
            self.clock,
            IntakeOptions(auto_assign=False),
        )
        return importer.run_once()


def numbered(number: int, **overrides: str) -> EmailMessage:
    values: dict[str, str] = {
        "message_id": f"<imap{number}@example.nl>",
        "subject": f"Vraag {number}",
        "text": f"Bericht {number}",
    }
    values.update(overrides)
    return compose(**values)  # type: ignore[arg-type]
