"""`klantenservice mail-server`, `mail poll|reconcile|backfill|quarantine`: the e-mail channel.

``mail-server`` runs the SMTP listener (aiosmtpd) for ``KS_EMAIL_ADDRESSES`` on
``KS_EMAIL_LISTEN_HOST:PORT`` and, in a child process (``workers/email_import_process.py``),
the importer that turns stored raw mails into messages, until Ctrl+C or SIGTERM. Mails stored
before a crash are imported at start. ``mail quarantine`` lists mails that could not become a
message, with the reason (no contents). ``mail poll`` fetches the ``KS_IMAP_MAILBOXES`` by UID
(forever, or ``--once``) and imports them; ``mail reconcile`` lists UIDs on the server that
were never stored (``--repair`` stores them); ``mail backfill`` stores a date range. IMAP
wiring: ``cli_mail_imap.py``. See docs/subsystems/email.md.
"""

from __future__ import annotations

import signal
import threading
from functools import partial
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.adapters.mail.smtp import SmtpMailer
from klantenservice.adapters.mail.smtp_server import IntakeHandler, mail_server
from klantenservice.cli_support import check_database, load_settings
from klantenservice.configured import intake_options
from klantenservice.domain.email import EmailLimits
from klantenservice.services.email_intake import quarantine_list
from klantenservice.services.ports import Clock, UnitOfWorkFactory
from klantenservice.settings import Settings
from klantenservice.workers.email_import_process import ImporterProcess
from klantenservice.workers.email_importer import EmailImporter
from klantenservice.workers.email_reply import EmailReplyHandler

mail_app = typer.Typer(
    help="The e-mail channel: IMAP polling, reconciliation, backfill, quarantine.",
    no_args_is_help=True,
)


def limits(settings: Settings) -> EmailLimits:
    return EmailLimits(
        max_message_bytes=settings.email_max_message_bytes,
        max_attachment_bytes=settings.email_max_attachment_bytes,
    )


def importer(settings: Settings, factory: SqlUnitOfWorkFactory, clock: Clock) -> EmailImporter:
    options = intake_options(settings)
    root = Path(settings.email_storage_dir)
    parser = MailFileParser(limits(settings))
    uow = cast(UnitOfWorkFactory, factory)
    return EmailImporter(uow, parser, root / "attachments", clock, options)


def build_importer(settings: Settings) -> EmailImporter:
    """The importer of the importer process (``mail-server``): its own engine and clock."""
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    return importer(settings, SqlUnitOfWorkFactory(engine), SystemClock())


def smtp_mailer(settings: Settings) -> SmtpMailer:
    """Outgoing mail through KS_SMTP_* as ``KS_MAIL_FROM`` (replies and chat transcripts)."""
    assert settings.smtp_host is not None
    return SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.mail_from,
        security=settings.smtp_security,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout=settings.smtp_timeout_seconds,
    )


def message_id_domain(settings: Settings) -> str:
    """The right-hand side of the Message-IDs we generate: ``KS_MAIL_FROM``'s domain."""
    return settings.mail_from.rpartition("@")[2] or "klantenservice.invalid"


def email_reply_handler(
    settings: Settings, factory: SqlUnitOfWorkFactory, clock: Clock
) -> EmailReplyHandler:
    """Agent replies on e-mail cases, sent through KS_SMTP_* as ``KS_MAIL_FROM``."""
    uow = cast(UnitOfWorkFactory, factory)
    mailer = smtp_mailer(settings)
    return EmailReplyHandler(uow, mailer, clock, domain=message_id_domain(settings))


def run_mail_server() -> None:
    """Receive e-mail over SMTP for KS_EMAIL_ADDRESSES and import it as messages."""
    settings = load_settings()
    check_database(settings)
    console = Console(stderr=True)
    if not settings.email_addresses:
        console.print("KS_EMAIL_ADDRESSES is empty: no address to receive mail for")
        raise typer.Exit(2)
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    factory = SqlUnitOfWorkFactory(engine)
    clock = SystemClock()
    mail_importer = ImporterProcess(partial(build_importer, settings))
    mail_importer.start()  # imports what was stored before a crash, then waits for wakes
    handler = IntakeHandler(
        cast(UnitOfWorkFactory, factory),
        Path(settings.email_storage_dir) / "raw",
        settings.email_addresses,
        clock,
        on_stored=mail_importer.wake,
    )
    controller = mail_server(
        handler,
        host=settings.email_listen_host,
        port=settings.email_listen_port,
        max_message_bytes=settings.email_max_message_bytes,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    controller.start()
    console.print(
        f"mail server listening on {settings.email_listen_host}:{settings.email_listen_port}"
    )
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        stop.set()
    finally:
        controller.stop()
        handler.close()
        mail_importer.stop()
        engine.dispose()


@mail_app.command("quarantine")
def quarantine(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
) -> None:
    """Mails that could not become a message, with the reason (never the contents)."""
    settings = load_settings()
    check_database(settings)
    engine = make_engine(settings.database_url)
    try:
        found = quarantine_list(cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine)), limit=limit)
    finally:
        engine.dispose()
    out = Console(highlight=False, markup=False, soft_wrap=True)
    if not found:
        out.print("no mail in quarantine")
        return
    for raw in found:
        out.print(
            f"{raw.id}\t{raw.received_at:%Y-%m-%d %H:%M}\t{raw.source}\t{raw.size} bytes\t"
            f"{raw.reason}\t{raw.path}"
        )
