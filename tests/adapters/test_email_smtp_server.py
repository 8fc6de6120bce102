"""The product's SMTP listener with ``smtplib`` as the real client."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.services.email_support import compose
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.db.tables import cases, email_raw, messages
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.adapters.mail.smtp_server import IntakeHandler, mail_server
from klantenservice.services.inbound import IntakeOptions
from klantenservice.workers.email_importer import EmailImporter

OURS = ["klantenservice@polderbank.example", "Hypotheek@Polderbank.example"]


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd checks its own start by connecting: no port 0
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


class Listener:
    def __init__(self, world: World, root: Path) -> None:
        self.wakes = 0
        self.raw_root = root / "raw"
        self.handler = IntakeHandler(
            world.uow, self.raw_root, OURS, FixedClock(T0), on_stored=self._woken
        )
        self.port = free_port()
        self.controller = mail_server(
            self.handler, host="127.0.0.1", port=self.port, max_message_bytes=200_000
        )
        self.importer = EmailImporter(
            world.uow, MailFileParser(), root / "att", FixedClock(T0),
            IntakeOptions(auto_assign=False), batch=3,
        )  # fmt: skip

    def _woken(self) -> None:
        self.wakes += 1

    def client(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.port, timeout=10)


@pytest.fixture
def listener(world: World, tmp_path: Path) -> Iterator[Listener]:
    found = Listener(world, tmp_path)
    found.controller.start()
    try:
        yield found
    finally:
        found.controller.stop()
        found.handler.close()


def raw_rows(world: World) -> list[object]:
    with world.read() as connection:
        return list(connection.execute(select(email_raw)))


def test_a_mail_to_and_cc_two_of_our_addresses_is_stored_before_250_and_is_one_message(
    world: World, listener: Listener
) -> None:
    mail = compose(to=OURS[0], cc="hypotheek@polderbank.example")
    with listener.client() as client:
        refused = client.send_message(mail)
    assert refused == {}

    (raw,) = raw_rows(world)  # stored and committed when the client got its 250
    assert raw.state == "stored"  # type: ignore[attr-defined]
    assert raw.mailbox == "hypotheek@polderbank.example,klantenservice@polderbank.example"  # type: ignore[attr-defined]
    assert Path(raw.path).read_bytes() == mail.as_bytes().replace(b"\n", b"\r\n")  # type: ignore[attr-defined]
    assert listener.wakes == 1

    report = listener.importer.run_once()
    assert report.imported == 1
    assert world.count(messages) == 1 and world.count(cases) == 1


def test_mail_for_an_address_that_is_not_ours_is_refused_at_rcpt(
    world: World, listener: Listener
) -> None:
    with listener.client() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.send_message(compose(to="iemand@elders.example"))
    ((code, _text),) = refused.value.recipients.values()
    assert code == 550
    assert raw_rows(world) == []


def test_a_mail_over_the_size_limit_is_refused_and_not_stored(
    world: World, listener: Listener
) -> None:
    with listener.client() as client, pytest.raises(smtplib.SMTPException):
        client.send_message(compose(text="x" * 300_000))
    assert raw_rows(world) == []


def test_when_the_mail_cannot_be_stored_the_answer_is_451_and_the_sender_keeps_it(
    world: World, listener: Listener
) -> None:
    listener.raw_root.parent.mkdir(parents=True, exist_ok=True)
    listener.raw_root.write_text("a file where the directory should be")
    with listener.client() as client, pytest.raises(smtplib.SMTPDataError) as failed:
        client.send_message(compose())
    assert failed.value.smtp_code == 451
    assert raw_rows(world) == []


def test_a_burst_is_imported_in_batches_with_a_bad_mail_quarantined_in_between(
    world: World, listener: Listener
) -> None:
    with listener.client() as client:
        for number in range(7):
            client.send_message(compose(message_id=f"<m{number}@example.nl>"))
        client.sendmail("x@example.nl", OURS[0], b"Subject: no sender\r\n\r\nhallo\r\n")
    report = listener.importer.run_once()  # batches of 3
    assert (report.imported, report.quarantined) == (7, 1)
    assert world.count(messages) == 7


def test_concurrent_deliveries_are_each_stored_once_and_imported(
    world: World, listener: Listener
) -> None:
    """Eight senders at once: their rows are committed together, each mail its own row."""

    def send(sender: int) -> None:
        with listener.client() as client:
            for number in range(5):
                client.send_message(compose(message_id=f"<c{sender}-{number}@example.nl>"))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(8)))
    rows = raw_rows(world)
    assert len(rows) == 40
    assert len({row.path for row in rows}) == 40  # type: ignore[attr-defined]
    assert listener.wakes == 40
    report = listener.importer.run_once()
    assert (report.imported, report.duplicates, report.quarantined) == (40, 0, 0)
    assert world.count(messages) == 40
