"""Imports stored raw mails (``services/email_intake.import_pending``) in the background.

Woken by the SMTP listener after each stored mail (``wake``) and otherwise every
``poll_seconds``, so mails stored before a crash, or by another process, are imported too.
Drains in batches: a burst of mails becomes a few intake transactions, not one per mail.
An unexpected error is logged and retried at the next wake; the mail stays "stored".
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

from klantenservice.services.email_intake import ImportReport, import_pending
from klantenservice.services.email_ports import MailParser
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)


class Signal(Protocol):
    """A ``threading.Event`` or a ``multiprocessing.Event``."""

    def set(self) -> None: ...
    def clear(self) -> None: ...
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class EmailImporter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        parser: MailParser,
        attachment_dir: Path,
        clock: Clock,
        options: IntakeOptions,
        *,
        batch: int = 100,
    ) -> None:
        self._uow = uow_factory
        self._parser = parser
        self._attachments = attachment_dir
        self._clock = clock
        self._options = options
        self._batch = batch
        self._wake = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> ImportReport:
        """Import until nothing is pending; the totals of every batch."""
        imported = duplicates = quarantined = 0
        while True:
            report = import_pending(
                self._uow,
                self._parser,
                self._attachments,
                now=self._clock.now(),
                options=self._options,
                limit=self._batch,
            )
            imported += report.imported
            duplicates += report.duplicates
            quarantined += report.quarantined
            if report.handled < self._batch:
                return ImportReport(imported, duplicates, quarantined)

    def run_forever(
        self, stop: Signal, poll_seconds: float = 5.0, *, wake: Signal | None = None
    ) -> None:
        """Import until ``stop``; woken by ``wake`` (default: ``self.wake()``) or every poll.

        ``wake`` may be a ``multiprocessing.Event``: the importer in its own process
        (``workers/email_import_process.py``) is woken by the listener in another.
        """
        woken: Signal = self._wake if wake is None else wake
        while not stop.is_set():
            woken.clear()
            try:
                report = self.run_once()
                if report.handled:
                    log.info(
                        "email: %d imported, %d duplicates, %d quarantined",
                        report.imported,
                        report.duplicates,
                        report.quarantined,
                    )
            except Exception:
                log.exception("email: import pass failed; retried at the next wake")
            woken.wait(poll_seconds)
