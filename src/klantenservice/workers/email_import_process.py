"""The e-mail importer in a process of its own, beside the SMTP listener.

Why a process: importing (MIME parsing, HTML to text, threading, the intake) is Python work.
In the listener's process it shares one GIL with the SMTP event loop, and every round trip of
every sender (MAIL, RCPT, DATA) waits behind it: with the importer as a thread the listener
accepted 200 mails/s, without it 430/s (bench/email_ingest.py). As a child process the two run
on separate cores and the listener answers at its own pace.

    listener (parent) ──250──► sender            importer (child, spawned)
        │ row committed                              │
        └── wake (multiprocessing.Event) ──────────► run_forever: import_pending in batches,
                                                      also every poll interval (rows stored
                                                      by another process, or before a crash)

Nothing is handed over but the wake-up: the rows are in the database, so a child that dies
loses nothing (the parent starts a new one at its next wake, and "stored" rows wait for it).
The child ends when the parent asks (``stop``), and by itself when the parent is gone (a
killed listener must not leave an importer behind).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing import get_context
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event

from klantenservice.workers.email_importer import EmailImporter

log = logging.getLogger(__name__)

# Builds the child's importer (its own engine): a picklable top-level function or partial.
ImporterFactory = Callable[[], EmailImporter]
PARENT_CHECK_SECONDS = 1.0


class ImporterProcess:
    def __init__(self, build: ImporterFactory, *, poll_seconds: float = 5.0) -> None:
        context = get_context("spawn")  # a fresh interpreter: no inherited threads or engines
        self._context = context
        self._build = build
        self._poll = poll_seconds
        self._wake = context.Event()
        self._stop = context.Event()
        self._process: SpawnProcess | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._process is not None and self._process.is_alive():
                return
            if self._process is not None:
                log.warning("email importer process ended (exit %s); starting a new one",
                            self._process.exitcode)  # fmt: skip
            self._process = self._context.Process(
                target=run_child,
                args=(self._build, self._wake, self._stop, self._poll, os.getpid()),
                name="ks-email-importer",
                daemon=True,
            )
            self._process.start()

    def wake(self) -> None:
        """A row was stored: import it (and start a new child if the last one died)."""
        if self._process is None or not self._process.is_alive():
            self.start()
        self._wake.set()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def stop(self, timeout: float = 30.0) -> None:
        """Let the child finish its batch and end; terminate it if it does not."""
        self._stop.set()
        self._wake.set()
        process, self._process = self._process, None
        if process is None:
            return
        process.join(timeout)
        if process.is_alive():
            process.terminate()
            process.join(5)


def run_child(
    build: ImporterFactory, wake: Event, stop: Event, poll_seconds: float, parent: int
) -> None:
    """The child: import until told to stop or until the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the group: the parent decides
    importer = build()
    watcher = threading.Thread(target=_watch_parent, args=(parent, stop, wake), daemon=True)
    watcher.start()
    importer.run_forever(stop, poll_seconds, wake=wake)


def _watch_parent(parent: int, stop: Event, wake: Event) -> None:
    while not stop.wait(PARENT_CHECK_SECONDS):
        if os.getppid() != parent:  # re-parented: the listener was killed
            stop.set()
            wake.set()
