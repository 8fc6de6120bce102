"""`klantenservice worker`: runs the outbox dispatcher and the promise sweeper.

Both loops run in threads of one process until Ctrl+C or SIGTERM; ``--once`` runs one pass of
each and exits (for cron, and for tests). Webhook subscribers come from ``KS_WEBHOOK_URLS``.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer
from rich.console import Console

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.cli_support import check_database, load_settings
from klantenservice.workers.outbox_dispatcher import (
    Handler,
    OutboxDispatcher,
    WebhookHandler,
    WebhookTarget,
)
from klantenservice.workers.promise_sweeper import PromiseSweeper

SWEEP_SECONDS = 30.0


def run_worker(
    once: Annotated[bool, typer.Option(help="One pass of each loop, then exit.")] = False,
) -> None:
    """Deliver outbox events (webhooks) and announce promise warnings and breaches."""
    settings = load_settings()
    check_database(settings)
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    factory = SqlUnitOfWorkFactory(engine)
    handlers: list[Handler] = []
    if settings.webhook_urls:
        handlers.append(WebhookHandler([WebhookTarget(url) for url in settings.webhook_urls]))
    clock = SystemClock()
    dispatcher = OutboxDispatcher(factory, handlers, clock)
    sweeper = PromiseSweeper(factory, clock)
    console = Console(stderr=True)
    try:
        if once:
            report = sweeper.run_once()
            delivered = dispatcher.run_once()
            console.print(
                f"swept {report.examined} cases ({report.warnings} warnings, "
                f"{report.breaches} breaches); delivered {delivered} outbox events"
            )
            return
        _run_until_stopped(dispatcher, sweeper, settings.outbox_poll_seconds, console)
    finally:
        engine.dispose()


def _run_until_stopped(
    dispatcher: OutboxDispatcher, sweeper: PromiseSweeper, poll: float, console: Console
) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = [
        threading.Thread(target=dispatcher.run_forever, args=(stop, poll), daemon=True),
        threading.Thread(target=sweeper.run_forever, args=(stop, SWEEP_SECONDS), daemon=True),
    ]
    for thread in threads:
        thread.start()
    console.print("worker running: outbox dispatcher and promise sweeper (Ctrl+C stops)")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join(timeout=10)
