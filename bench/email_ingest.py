"""bench/email_ingest: e-mails/s ingested (SMTP and IMAP), and the 25 MB attachment's memory.

Candidate (i), SMTP: the product's listener (``adapters/mail/smtp_server.IntakeHandler`` on
aiosmtpd, in this process) with its importer in a child process, as ``mail-server`` runs them
(``workers/email_import_process``), SQLite (WAL, synchronous NORMAL). ``--clients``
``smtplib`` clients in threads send ``--mails`` realistic mails (a third plain text, a third
HTML only, a third text + a 20 KB PDF attachment; 200 different senders), one SMTP session per
client. Timed from the first connection until every
mail is a message in the database (imported, not just accepted).

Candidate (ii), IMAP: the same mails appended to a private Dovecot (tests/support/dovecot.py;
not timed), then timed from the start of ``klantenservice mail poll``'s pass
(``workers/email_poller``, batches of 50) until every mail is a message.

Baseline, same run, same client load: a bare aiosmtpd server whose handler answers 250 and
does nothing else (no file, no database, no import).

Memory: a mail with a 25 MB attachment (about 34 MB raw) stored and imported in a fresh
interpreter (its ``VmHWM``: ``getrusage``'s ``ru_maxrss`` would include this process's peak,
which Linux carries across fork + exec), next to the same interpreter that only imports the
modules; goal 150 MB.

    .venv/bin/python bench/email_ingest.py [--mails 600] [--clients 8] [--skip-imap]

No assertions on time: it prints figures, the ratio to the baseline and the goal (≥ 200/s).
"""

from __future__ import annotations

import argparse
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from functools import partial
from pathlib import Path
from typing import cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.mail.imap import ImapAccount, RawFileStore, imap_session
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.adapters.mail.smtp_server import IntakeHandler, mail_server
from klantenservice.domain.agents import Queue
from klantenservice.domain.promises import PromisePolicy
from klantenservice.services import directory
from klantenservice.services.email_imap import ImapStore
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory
from klantenservice.workers.email_import_process import ImporterProcess
from klantenservice.workers.email_importer import EmailImporter
from klantenservice.workers.email_poller import EmailPoller, PolledMailbox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.support.dovecot, imported where it is used

GOAL_RATE = 200.0
GOAL_RSS_MB = 150.0
ADDRESS = "klantenservice@bank.example"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 80  # ~20 KB


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(db: Path) -> str:
    url = f"sqlite:///{db}"
    upgrade_to_head(url)
    engine = make_engine(url)
    uow = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
    now = datetime.now(UTC)
    week = [[["00:00", "23:59"]]] * 7
    definition = {"weekly_hours": week, "holiday_country": "NL"}
    directory.put_calendar(uow(), actor=SYSTEM, name="office", now=now, definition=definition)
    directory.create_queue(uow(), actor=SYSTEM, queue=Queue(None, "general"), now=now)
    policy = PromisePolicy(
        name="default",
        calendar="office",
        first_response=timedelta(hours=4),
        next_response=timedelta(hours=8),
        resolution=timedelta(days=5),
    )
    directory.add_promise_policy(uow(), actor=SYSTEM, policy=policy, now=now)
    engine.dispose()
    return url


def mail(number: int, tag: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Klant {number % 200} <klant{number % 200}@example.nl>"
    message["To"] = ADDRESS
    message["Subject"] = f"Vraag over mijn rekening {number}"
    message["Date"] = "Mon, 23 Nov 2026 08:55:00 +0000"
    message["Message-ID"] = f"<{tag}.{number}@example.nl>"
    text = f"Goedemorgen,\n\nIk heb een vraag over afschrijving {number}.\n\nGroet, Klant\n" * 3
    kind = number % 3
    if kind == 0:
        message.set_content(text)
    elif kind == 1:
        html = "<html><body><p>" + text.replace("\n", "<br>\n") + "</p></body></html>"
        message.set_content(html, subtype="html")
    else:
        message.set_content(text)
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename="a.pdf")
    return message.as_bytes(policy=SMTP_POLICY)


def email_messages(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        found = connection.execute("SELECT count(*) FROM messages WHERE channel = 'email'")
        return int(found.fetchone()[0])


def send_all(port: int, mails: list[bytes], clients: int) -> None:
    def client(share: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as session:
            for data in share:
                session.sendmail("klant@example.nl", [ADDRESS], data)

    threads = [threading.Thread(target=client, args=(mails[i::clients],)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def importer(url: str, root: Path) -> tuple[EmailImporter, UnitOfWorkFactory, object]:
    engine = make_engine(url, sqlite_synchronous="NORMAL")
    uow = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
    options = IntakeOptions(reopen_window=timedelta(days=7), auto_assign=True)
    found = EmailImporter(uow, MailFileParser(), root / "attachments", SystemClock(), options)
    return found, uow, engine


def wait_for(db: Path, wanted: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while email_messages(db) < wanted:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {email_messages(db)} of {wanted} imported")
        time.sleep(0.02)


def importer_only(url: str, root: Path) -> EmailImporter:
    """The importer process's own importer (``mail-server`` runs it as a child process)."""
    return importer(url, root)[0]


def bench_smtp(work: Path, mails: list[bytes], clients: int) -> float:
    db = work / "smtp.db"
    url = prepare(db)
    engine = make_engine(url, sqlite_synchronous="NORMAL")
    uow = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
    mail_importer = ImporterProcess(
        partial(importer_only, url, work / "smtp-mail"), poll_seconds=0.2
    )
    mail_importer.start()
    handler = IntakeHandler(
        uow, work / "smtp-mail" / "raw", [ADDRESS], SystemClock(), on_stored=mail_importer.wake
    )
    port = free_port()
    controller = mail_server(handler, host="127.0.0.1", port=port, max_message_bytes=40 << 20)
    controller.start()
    try:
        start = time.perf_counter()
        send_all(port, mails, clients)
        accepted = time.perf_counter() - start
        wait_for(db, len(mails))
        elapsed = time.perf_counter() - start
    finally:
        controller.stop()
        handler.close()
        mail_importer.stop()
        engine.dispose()
    print(f"  smtp: accepted in {accepted:.2f} s, imported in {elapsed:.2f} s")
    return len(mails) / elapsed


class Bare:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return "250 OK"


def bench_baseline(mails: list[bytes], clients: int) -> float:
    port = free_port()
    controller = Controller(Bare(), hostname="127.0.0.1", port=port, decode_data=False)
    controller.start()
    try:
        start = time.perf_counter()
        send_all(port, mails, clients)
        elapsed = time.perf_counter() - start
    finally:
        controller.stop()
    return len(mails) / elapsed


def bench_imap(work: Path, mails: list[bytes]) -> float | None:
    try:
        from tests.support.dovecot import DovecotUnavailable, start_dovecot  # noqa: PLC0415
    except ImportError:
        return None
    try:
        server = start_dovecot(("support",))
    except DovecotUnavailable as error:
        print(f"  imap: skipped ({error})")
        return None
    try:
        from imap_tools import MailBoxUnencrypted  # noqa: PLC0415

        with MailBoxUnencrypted(server.host, server.port).login(
            "support", server.password, initial_folder=None
        ) as box:
            for data in mails:
                box.append(data, "INBOX")
        db = work / "imap.db"
        url = prepare(db)
        mail_importer, uow, engine = importer(url, work / "imap-mail")
        store = ImapStore(
            uow_factory=uow,
            files=RawFileStore(work / "imap-mail" / "raw"),
            clock=SystemClock(),
            max_message_bytes=40 << 20,
            on_stored=mail_importer.wake,
        )
        account = ImapAccount(
            "support", server.host, server.port, "support", server.password, tls="none"
        )
        poller = EmailPoller(store, [PolledMailbox("support", lambda: imap_session(account))])
        stop = threading.Event()
        thread = threading.Thread(target=mail_importer.run_forever, args=(stop, 0.2), daemon=True)
        thread.start()
        try:
            start = time.perf_counter()
            poller.run_once()
            fetched = time.perf_counter() - start
            wait_for(db, len(mails))
            elapsed = time.perf_counter() - start
        finally:
            stop.set()
            mail_importer.wake()
            thread.join(10)
            engine.dispose()  # type: ignore[attr-defined]
        print(f"  imap: fetched+stored in {fetched:.2f} s, imported in {elapsed:.2f} s")
        return len(mails) / elapsed
    finally:
        server.stop()


CHILD = """
import resource, sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.adapters.mail.raw_store import store_chunks
from klantenservice.services.email_intake import import_pending, store_raw
from klantenservice.services.email_ports import NewRawMail
from klantenservice.services.inbound import IntakeOptions
if sys.argv[1] == "ingest":
    url, source, root = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    uow = SqlUnitOfWorkFactory(make_engine(url))
    with source.open("rb") as f:
        stored = store_chunks(root / "raw", iter(lambda: f.read(1 << 20), b""), suffix=".eml")
    now = datetime.now(UTC)
    store_raw(uow, NewRawMail(stored.digest, stored.size, str(stored.path), "smtp", "x"), now=now)
    report = import_pending(uow, MailFileParser(), root / "attachments", now=now,
                            options=IntakeOptions(auto_assign=False))
    assert report.imported == 1, report
# VmHWM, not getrusage: Linux carries ru_maxrss over from the parent across fork + exec.
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


def child_peak_mb(*args: str) -> float:
    """Peak RSS (VmHWM) of one fresh interpreter running CHILD."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], check=True, cwd=ROOT, capture_output=True, text=True
    )
    return int(done.stdout.split()[-1]) / 1024


def bench_memory(work: Path) -> tuple[float, float]:
    big = EmailMessage()
    big["From"] = "Klant <klant@example.nl>"
    big["To"] = ADDRESS
    big["Subject"] = "Afschriften"
    big["Message-ID"] = "<big@example.nl>"
    big.set_content("Zie bijlage.")
    payload = (bytes(range(256)) * (25 * 4096 + 1))[: 25 << 20]
    big.add_attachment(payload, maintype="application", subtype="pdf", filename="big.pdf")
    source = work / "big.eml"
    source.write_bytes(big.as_bytes())
    del big, payload
    url = prepare(work / "memory.db")
    idle = child_peak_mb("idle")
    ingest = child_peak_mb("ingest", url, str(source), str(work / "memory-mail"))
    return idle, ingest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--skip-imap", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ks-bench-email-"))
    try:
        print("memory: a 25 MB attachment, fresh interpreter")
        idle, ingest = bench_memory(work)
        smtp_mails = [mail(n, "smtp") for n in range(args.mails)]
        imap_mails = [mail(n, "imap") for n in range(args.mails)]
        base_mails = [mail(n, "base") for n in range(args.mails)]
        print(f"rates: {args.mails} mails, {args.clients} SMTP clients, SQLite")
        baseline = bench_baseline(base_mails, args.clients)
        smtp = bench_smtp(work, smtp_mails, args.clients)
        imap = None if args.skip_imap else bench_imap(work, imap_mails)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"baseline  bare aiosmtpd, 250 only      {baseline:8.1f} mails/s")
    print(
        f"SMTP      stored + imported as message {smtp:8.1f} mails/s"
        f"  ratio {smtp / baseline:.2f}  goal >= {GOAL_RATE:.0f}/s"
        f"  {'met' if smtp >= GOAL_RATE else 'NOT met'}"
    )
    if imap is not None:
        print(
            f"IMAP      poll + imported as message   {imap:8.1f} mails/s"
            f"  ratio {imap / baseline:.2f}  goal >= {GOAL_RATE:.0f}/s"
            f"  {'met' if imap >= GOAL_RATE else 'NOT met'}"
        )
    print(
        f"memory    25 MB attachment ingested: peak RSS {ingest:.0f} MB"
        f" (interpreter + imports alone {idle:.0f} MB)  goal <= {GOAL_RSS_MB:.0f} MB"
        f"  {'met' if ingest <= GOAL_RSS_MB else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
