"""`klantenservice worker`: the outbox dispatcher, the promise sweeper, the emergency escalations.

Both loops run in threads of one process until Ctrl+C or SIGTERM; ``--once`` runs one pass of
each and exits (for cron, and for tests). Webhook subscribers come from ``KS_WEBHOOK_URLS``;
chat transcripts are mailed when ``KS_SMTP_HOST`` is set (docs/subsystems/chat.md).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Annotated, Protocol, cast, runtime_checkable

import typer
from rich.console import Console

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.core_banking import DemoCoreBanking, HttpCoreBanking, NoCoreBanking
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.cli_channels import channel_senders, twilio_sms_sender
from klantenservice.cli_mail import email_reply_handler, message_id_domain, smtp_mailer
from klantenservice.cli_support import check_database, load_settings
from klantenservice.services.card_blocks import CoreBanking
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.settings import Settings
from klantenservice.workers.chat_transcript import TranscriptMailHandler
from klantenservice.workers.emergency_alerts import (
    AlertContact,
    CardBlocker,
    EscalationAlerter,
    EscalationSweeper,
)
from klantenservice.workers.outbox_dispatcher import (
    Handler,
    OutboxDispatcher,
    WebhookHandler,
    WebhookTarget,
)
from klantenservice.workers.promise_sweeper import PromiseSweeper

SWEEP_SECONDS = 30.0


@runtime_checkable
class Closable(Protocol):
    def close(self) -> None: ...


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
    if settings.smtp_host:
        handlers.append(transcript_handler(settings, factory, clock))
        handlers.append(email_reply_handler(settings, factory, clock))  # e-mail channel
    handlers.extend(channel_senders(settings, factory, clock))  # WhatsApp, SMS
    handlers.extend(emergency_handlers(settings, factory, clock))  # alerts, card blocks
    dispatcher = OutboxDispatcher(factory, handlers, clock)
    sweeper = PromiseSweeper(factory, clock)
    escalations = EscalationSweeper(cast(UnitOfWorkFactory, factory), clock)
    console = Console(stderr=True)
    if not settings.smtp_host:
        console.print(
            "[yellow]KS_SMTP_HOST is not set: e-mail replies and chat transcripts are not "
            "sent[/yellow]"
        )
    try:
        if once:
            report = sweeper.run_once()
            escalated = escalations.run_once()
            delivered = dispatcher.run_once()
            console.print(
                f"swept {report.examined} cases ({report.warnings} warnings, "
                f"{report.breaches} breaches); {len(escalated)} emergency escalations; "
                f"delivered {delivered} outbox events"
            )
            return
        loops: list[Loop] = [
            (dispatcher.run_forever, settings.outbox_poll_seconds),
            (sweeper.run_forever, SWEEP_SECONDS),
            (escalations.run_forever, settings.emergency_sweep_seconds),
        ]
        _run_until_stopped(loops, console)
    finally:
        for handler in handlers:  # their HTTP clients (webhooks, alerts)
            if isinstance(handler, Closable):
                handler.close()
        engine.dispose()


def transcript_handler(
    settings: Settings, factory: SqlUnitOfWorkFactory, clock: Clock
) -> TranscriptMailHandler:
    """Chat transcripts by e-mail (KS_SMTP_*), written with the widget's nl/en catalogues."""
    from klantenservice.web.widget.transcript_mail import TranscriptMail  # noqa: PLC0415

    render = TranscriptMail(timezone=settings.timezone)
    uow = cast(UnitOfWorkFactory, factory)
    domain = message_id_domain(settings)
    return TranscriptMailHandler(uow, smtp_mailer(settings), render, clock, message_domain=domain)


def emergency_handlers(
    settings: Settings, factory: SqlUnitOfWorkFactory, clock: Clock
) -> list[Handler]:
    """Escalation alerts (KS_EMERGENCY_ESCALATION) and card blocks (KS_CORE_BANKING)."""
    uow = cast(UnitOfWorkFactory, factory)
    sms = twilio_sms_sender(settings)
    contacts = [AlertContact(**contact.model_dump()) for contact in settings.emergency_escalation]
    alerter = EscalationAlerter(
        contacts,
        mailer=smtp_mailer(settings) if settings.smtp_host else None,
        sms=sms,
        desk_url=settings.public_base_url,
        timezone=settings.timezone,
        message_domain=message_id_domain(settings),
    )
    return [alerter, CardBlocker(uow, core_banking(settings), clock)]


def core_banking(settings: Settings) -> CoreBanking:
    if settings.core_banking == "demo":
        return DemoCoreBanking()
    if settings.core_banking == "http" and settings.core_banking_url:
        return HttpCoreBanking(
            settings.core_banking_url,
            token=settings.core_banking_token,
            timeout=settings.channel_timeout_seconds,
        )
    return NoCoreBanking()


Loop = tuple[Callable[[threading.Event, float], None], float]


def _run_until_stopped(loops: list[Loop], console: Console) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threads = [
        threading.Thread(target=run, args=(stop, seconds), daemon=True) for run, seconds in loops
    ]
    for thread in threads:
        thread.start()
    console.print(
        "worker running: outbox dispatcher, promise sweeper, emergency escalations (Ctrl+C stops)"
    )
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        stop.set()
    for thread in threads:
        thread.join(timeout=10)
