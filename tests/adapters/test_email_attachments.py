"""Attachments of inbound mail: stored as files with limits, metadata on the message."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.services.email_support import Mailroom, compose
from tests.services.world import World, build_world

from klantenservice.adapters.db.tables import email_attachments, messages
from klantenservice.adapters.mail.parse import MailFileParser
from klantenservice.domain.email import EmailLimits


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def attachment_rows(world: World) -> list[object]:
    with world.read() as connection:
        return list(connection.execute(select(email_attachments).order_by(email_attachments.c.id)))


def test_allowed_attachments_are_stored_and_others_kept_as_refused_metadata(
    world: World, tmp_path: Path
) -> None:
    pdf = b"%PDF-1.7 " + os.urandom(3000)
    mail = compose(text="Zie bijlagen.")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="afschrift.pdf")
    mail.add_attachment(b"MZ\x90\x00", maintype="application", subtype="x-msdownload",
                        filename="factuur.exe")  # fmt: skip
    mail.add_attachment(os.urandom(5000), maintype="image", subtype="png", filename="groot.png")
    room = Mailroom(world, tmp_path)
    parser = MailFileParser(EmailLimits(max_attachment_bytes=4096))

    room.store(mail)
    assert room.run(parser=parser).imported == 1

    with world.read() as connection:
        message_id = connection.execute(select(messages.c.id)).scalar_one()
    stored, exe, png = attachment_rows(world)
    assert (stored.filename, stored.content_type, stored.size) == (  # type: ignore[attr-defined]
        "afschrift.pdf", "application/pdf", len(pdf),
    )  # fmt: skip
    assert stored.message_id == message_id  # type: ignore[attr-defined]
    assert stored.digest == hashlib.sha256(pdf).hexdigest()  # type: ignore[attr-defined]
    assert Path(stored.path).read_bytes() == pdf  # type: ignore[attr-defined]
    assert exe.path is None and "not accepted" in exe.refused  # type: ignore[attr-defined]
    assert png.path is None and "limit" in png.refused  # type: ignore[attr-defined]
    leftovers = [p for p in (tmp_path / "attachments").rglob("*") if p.name.startswith(".")]
    assert leftovers == []  # a refused file leaves no partial file behind


def test_a_mail_with_only_an_attachment_gets_a_body_naming_it(world: World, tmp_path: Path) -> None:
    mail = compose(text=None, subject="")
    mail.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="scan.pdf")
    Mailroom(world, tmp_path).deliver(mail)
    with world.read() as connection:
        assert connection.execute(select(messages.c.body)).scalar_one() == "[scan.pdf]"


def test_a_25_mb_attachment_is_ingested_with_python_memory_well_under_150_mb(
    world: World, tmp_path: Path
) -> None:
    content = os.urandom(25 * 1024 * 1024)
    digest = hashlib.sha256(content).hexdigest()
    mail = compose(text="Het contract.")
    mail.add_attachment(content, maintype="application", subtype="pdf", filename="contract.pdf")
    room = Mailroom(world, tmp_path)
    room.store(mail.as_bytes())
    del mail, content

    tracemalloc.start()
    try:
        report = room.run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert report.imported == 1
    (stored,) = attachment_rows(world)
    assert stored.size == 25 * 1024 * 1024 and stored.digest == digest  # type: ignore[attr-defined]
    assert peak < 150 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_text_quoted_printable_and_forwarded_mail_attachments_are_stored_byte_exact(
    world: World, tmp_path: Path
) -> None:
    csv = "rekening;bedrag\nNL01;€ 12,50\n".encode() * 200
    named_note = b"notitie zonder disposition\n"
    inner_pdf = b"%PDF-1.4 " + os.urandom(4000)
    forwarded = compose(sender="bank@example.nl", subject="doorgestuurd", text="binnen")
    forwarded.add_attachment(inner_pdf, maintype="application", subtype="pdf", filename="in.pdf")
    mail = compose(text="Drie bijlagen.")
    mail.add_attachment(csv, maintype="text", subtype="csv", filename="export.csv",
                        cte="quoted-printable")  # fmt: skip
    mail.add_attachment(named_note, maintype="text", subtype="plain", filename="notitie.txt",
                        disposition="inline")  # fmt: skip
    mail.add_attachment(forwarded)
    room = Mailroom(world, tmp_path)

    room.store(mail.as_bytes().replace(b"\n", b"\r\n"))  # as SMTP delivers it
    assert room.run().imported == 1

    rows = {row.filename: row for row in attachment_rows(world)}  # type: ignore[attr-defined]
    assert set(rows) == {"export.csv", "notitie.txt", "in.pdf"}
    assert Path(rows["export.csv"].path).read_bytes() == csv  # a QP line break is a newline
    assert Path(rows["notitie.txt"].path).read_bytes() == named_note
    assert Path(rows["in.pdf"].path).read_bytes() == inner_pdf
    with world.read() as connection:
        assert connection.execute(select(messages.c.body)).scalar_one() == "Drie bijlagen."
