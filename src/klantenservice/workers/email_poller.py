"""Polls the configured IMAP mailboxes (``services/email_imap.poll``) until told to stop.

Every ``interval`` seconds each mailbox is polled in turn; a mailbox that cannot be reached
(after the adapter's own retries with backoff) is logged by name and error kind and tried
again at the next pass, while the other mailboxes go on. After each stored batch the importer
is woken (``on_stored``), exactly as the SMTP listener does, so mails become messages while a
large mailbox is still being fetched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from klantenservice.services.email_imap import ImapSession, ImapStore, PollReport, poll

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PolledMailbox:
    name: str
    connect: Callable[[], AbstractContextManager[ImapSession]]


class EmailPoller:
    def __init__(self, store: ImapStore, mailboxes: Sequence[PolledMailbox]) -> None:
        self._store = store
        self._mailboxes = tuple(mailboxes)

    def run_once(self) -> list[PollReport | Exception]:
        """One pass over every mailbox; a failing mailbox is its exception, not the end."""
        outcomes: list[PollReport | Exception] = []
        for mailbox in self._mailboxes:
            try:
                with mailbox.connect() as session:
                    report = poll(self._store, session, mailbox.name)
            except Exception as error:  # one mailbox's trouble must not stop the others
                log.warning(
                    "imap %s: poll failed (%s); tried again at the next pass",
                    mailbox.name,
                    type(error).__name__,
                )
                outcomes.append(error)
                continue
            if report.stored or report.too_large or report.failed:
                log.info(
                    "imap %s: %d stored, %d too large, %d not delivered; last UID %d",
                    mailbox.name,
                    report.stored,
                    report.too_large,
                    len(report.failed),
                    report.last_uid,
                )
            outcomes.append(report)
        return outcomes

    def run_forever(self, stop: threading.Event, interval: float) -> None:
        while not stop.is_set():
            self.run_once()
            stop.wait(interval)
