"""`klantenservice mail poll|reconcile|backfill`: the IMAP side of the e-mail channel.

Mailboxes come from ``KS_IMAP_MAILBOXES``; passwords are read here (inline or from
``password_file``) and never printed. Output names mailboxes and UIDs only, never contents.
Exit codes: 0 done, 1 reconcile found gaps (or a mailbox failed), 2 bad input.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.mail.imap import ImapAccount, RawFileStore, imap_session
from klantenservice.cli_mail import importer, mail_app
from klantenservice.cli_support import USAGE_EXIT, check_database, fail, load_settings
from klantenservice.services.email_imap import (
    ImapSession,
    ImapStore,
    backfill,
    reconcile,
)
from klantenservice.services.ports import UnitOfWorkFactory
from klantenservice.settings import ImapMailboxSetting, Settings
from klantenservice.workers.email_poller import EmailPoller, PolledMailbox


def account(setting: ImapMailboxSetting) -> ImapAccount:
    if setting.password is not None:
        password = setting.password.get_secret_value()
    else:
        assert setting.password_file is not None
        try:
            password = Path(setting.password_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            fail(
                f"mailbox {setting.key}: password_file unreadable ({type(error).__name__})",
                USAGE_EXIT,
            )
    return ImapAccount(
        name=setting.key,
        host=setting.host,
        port=setting.port,
        user=setting.user,
        password=password,
        folder=setting.folder,
        tls=setting.tls,
    )


def connector(found: ImapAccount) -> PolledMailbox:
    def connect() -> AbstractContextManager[ImapSession]:
        return imap_session(found)

    return PolledMailbox(found.name, connect)


def chosen(settings: Settings, name: str | None) -> list[ImapAccount]:
    if not settings.imap_mailboxes:
        fail("KS_IMAP_MAILBOXES is empty: no mailbox to poll", USAGE_EXIT)
    found = [account(item) for item in settings.imap_mailboxes]
    if name is None:
        return found
    picked = [item for item in found if item.name == name]
    if not picked:
        known = ", ".join(item.name for item in found)
        fail(f"no mailbox named {name!r}; configured: {known}", USAGE_EXIT)
    return picked


@contextmanager
def imap_store(settings: Settings) -> Iterator[tuple[ImapStore, SqlUnitOfWorkFactory]]:
    check_database(settings)
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    factory = SqlUnitOfWorkFactory(engine)
    store = ImapStore(
        uow_factory=cast(UnitOfWorkFactory, factory),
        files=RawFileStore(Path(settings.email_storage_dir) / "raw"),
        clock=SystemClock(),
        max_message_bytes=settings.email_max_message_bytes,
    )
    try:
        yield store, factory
    finally:
        engine.dispose()


def day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} takes a date as YYYY-MM-DD, not {text!r}", USAGE_EXIT)


@mail_app.command("poll")
def poll_command(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    interval: Annotated[
        float | None, typer.Option(help="Seconds between passes (KS_IMAP_POLL_SECONDS).")
    ] = None,
) -> None:
    """Fetch new mail from the KS_IMAP_MAILBOXES by UID and import it (flags untouched)."""
    settings = load_settings()
    accounts = chosen(settings, None)
    console = Console(stderr=True, highlight=False, markup=False)
    with imap_store(settings) as (base, factory):
        clock = base.clock
        mail_importer = importer(settings, factory, clock)
        store = ImapStore(
            base.uow_factory, base.files, clock, base.max_message_bytes,
            on_stored=mail_importer.wake,
        )  # fmt: skip
        poller = EmailPoller(store, [connector(item) for item in accounts])
        if once:
            outcomes = poller.run_once()
            imported = mail_importer.run_once()
            for outcome in outcomes:
                if isinstance(outcome, Exception):
                    console.print(f"poll failed: {type(outcome).__name__}")
                else:
                    console.print(
                        f"{outcome.mailbox}: {outcome.stored} stored, {outcome.too_large} too "
                        f"large, {len(outcome.failed)} not delivered, last UID {outcome.last_uid}"
                    )
            console.print(
                f"imported {imported.imported}, duplicates {imported.duplicates}, "
                f"quarantined {imported.quarantined}"
            )
            if any(isinstance(outcome, Exception) for outcome in outcomes):
                raise typer.Exit(1)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        worker = threading.Thread(target=mail_importer.run_forever, args=(stop,), daemon=True)
        worker.start()
        console.print(
            f"polling {len(accounts)} mailbox(es) every {interval or settings.imap_poll_seconds} s"
        )
        try:
            poller.run_forever(stop, interval or settings.imap_poll_seconds)
        except KeyboardInterrupt:
            stop.set()
        finally:
            stop.set()
            mail_importer.wake()
            worker.join(timeout=10)


@mail_app.command("reconcile")
def reconcile_command(
    mailbox: Annotated[str | None, typer.Option(help="Only this mailbox (its name).")] = None,
    repair: Annotated[bool, typer.Option("--repair", help="Store the missing ones.")] = False,
) -> None:
    """UIDs on the server that were never stored; exit 1 when there are (before --repair)."""
    settings = load_settings()
    accounts = chosen(settings, mailbox)
    table = Table(title="IMAP reconciliation")
    for column in ("mailbox", "UIDVALIDITY", "last UID", "on server", "stored", "missing"):
        table.add_column(column)
    if repair:
        table.add_column("repaired")
    gaps = False
    with imap_store(settings) as (store, _factory):
        for item in accounts:
            with imap_session(item) as session:
                report = reconcile(store, session, item.name, repair=repair)
            shown = ", ".join(str(uid) for uid in report.missing[:20])
            if len(report.missing) > 20:
                shown += f" … ({len(report.missing)})"
            row = [
                item.name,
                str(report.uidvalidity) + (" (changed)" if report.uidvalidity_changed else ""),
                str(report.last_uid),
                str(report.on_server),
                str(report.stored),
                shown or "-",
            ]
            if repair:
                row.append(str(report.repaired))
            table.add_row(*row)
            unrepaired = report.failed if repair else report.missing
            gaps = gaps or bool(unrepaired)
    Console(highlight=False).print(table)
    if gaps:
        raise typer.Exit(1)


@mail_app.command("backfill")
def backfill_command(
    mailbox: Annotated[str, typer.Option(help="The mailbox (its name).")],
    since: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (IMAP SINCE).")],
    until: Annotated[str, typer.Option(help="Day after the last, YYYY-MM-DD (IMAP BEFORE).")],
) -> None:
    """Store every mail of a date range that is not stored yet, and import it."""
    first, end = day(since, "--since"), day(until, "--until")
    if end <= first:
        fail(f"--until ({end}) must be after --since ({first})", USAGE_EXIT)
    settings = load_settings()
    (item,) = chosen(settings, mailbox)
    with imap_store(settings) as (store, factory):
        with imap_session(item) as session:
            report = backfill(store, session, item.name, since=first, until=end)
        imported = importer(settings, factory, store.clock).run_once()
    Console(highlight=False, markup=False).print(
        f"{item.name}: {report.found} in range, {report.stored} stored, {report.already} "
        f"already stored, {report.too_large} too large, {len(report.failed)} not delivered; "
        f"imported {imported.imported}, duplicates {imported.duplicates}, "
        f"quarantined {imported.quarantined}"
    )
    if report.failed:
        raise typer.Exit(1)
