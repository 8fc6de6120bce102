"""Inbound e-mail: raw first, one message per Message-ID, threading, HTML, quarantine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.services.email_support import Mailroom, compose
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.tables import cases, email_outbound, email_raw, messages
from klantenservice.domain.cases import CaseStatus, format_reference
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import cases as case_service
from klantenservice.services.email_intake import quarantine_list
from klantenservice.services.ports import SYSTEM


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


@pytest.fixture
def room(world: World, tmp_path: Path) -> Mailroom:
    return Mailroom(world, tmp_path / "mail")


def rows(world: World, table: object) -> list[object]:
    with world.read() as connection:
        return list(connection.execute(select(table).order_by(table.c[0])))  # type: ignore[attr-defined]


def test_a_stored_mail_becomes_a_message_with_its_message_id_and_the_raw_file_is_kept(
    room: Mailroom, world: World
) -> None:
    raw_id = room.store(compose(message_id="<A1.x@Mail.Example.NL>"))
    (raw,) = rows(world, email_raw)
    assert raw.state == "stored"  # type: ignore[attr-defined]
    assert Path(raw.path).read_bytes().startswith(b"From: Jan")  # type: ignore[attr-defined]

    report = room.run()

    assert (report.imported, report.quarantined) == (1, 0)
    (message,) = rows(world, messages)
    assert message.external_id == "<A1.x@mail.example.nl>"  # type: ignore[attr-defined]
    assert message.channel == "email"  # type: ignore[attr-defined]
    assert message.subject == "Vraag over rente"  # type: ignore[attr-defined]
    assert message.body == "Wat is de rente op mijn spaarrekening?"  # type: ignore[attr-defined]
    (raw,) = rows(world, email_raw)
    assert (raw.id, raw.state, raw.message_id) == (raw_id, "imported", message.id)  # type: ignore[attr-defined]


def test_the_same_mail_in_two_of_our_mailboxes_is_one_message_on_one_case(
    room: Mailroom, world: World
) -> None:
    mail = compose(to="klantenservice@polderbank.example", cc="hypotheek@polderbank.example")
    room.store(mail, mailbox="klantenservice")
    copy = b"Delivered-To: hypotheek@polderbank.example\r\n" + mail.as_bytes()
    room.store(copy, mailbox="hypotheek")

    report = room.run()

    assert (report.imported, report.duplicates) == (1, 1)
    assert world.count(messages) == 1 and world.count(cases) == 1
    states = {row.state for row in rows(world, email_raw)}  # type: ignore[attr-defined]
    assert states == {"imported"}


def test_a_mail_delivered_again_later_is_not_a_second_message(room: Mailroom, world: World) -> None:
    room.deliver(compose())
    report = room.deliver(compose())
    assert report.duplicates == 1
    assert world.count(messages) == 1


def test_a_mail_without_message_id_is_identified_by_its_bytes(room: Mailroom, world: World) -> None:
    mail = compose(message_id=None)
    room.deliver(mail)
    room.deliver(mail)
    room.deliver(compose(message_id=None, text="Iets anders."))
    ids = [row.external_id for row in rows(world, messages)]  # type: ignore[attr-defined]
    assert len(ids) == 2 and all(found.startswith("sha256:") for found in ids)


def test_a_reply_is_threaded_by_in_reply_to_even_with_a_new_subject(
    room: Mailroom, world: World
) -> None:
    room.deliver(compose(message_id="<first@example.nl>"))
    _close_all(world)
    room.deliver(compose(subject="Nieuwe vraag", message_id="<other@example.nl>"))
    (first, other) = rows(world, messages)
    assert first.case_id != other.case_id  # type: ignore[attr-defined]  # a new question

    room.deliver(
        compose(
            subject="iets heel anders",
            message_id="<reply@example.nl>",
            in_reply_to="<first@example.nl>",
            references="<first@example.nl>",
        )
    )
    reply = rows(world, messages)[-1]
    assert reply.case_id == first.case_id  # type: ignore[attr-defined]


def test_a_reply_to_our_outbound_mail_is_threaded_by_our_message_id(
    room: Mailroom, world: World
) -> None:
    room.deliver(compose(message_id="<first@example.nl>"))
    (first,) = rows(world, messages)
    with world.engine.begin() as connection:
        connection.execute(
            email_outbound.insert().values(
                message_id=first.id,  # type: ignore[attr-defined]
                rfc_message_id="<ks-1@polderbank.example>",
                case_id=first.case_id,  # type: ignore[attr-defined]
                outbox_event_id=1,
            )
        )
    _close_all(world)
    room.deliver(
        compose(message_id="<r@example.nl>", references="<zzz@x.nl> <ks-1@polderbank.example>")
    )
    assert rows(world, messages)[-1].case_id == first.case_id  # type: ignore[attr-defined]


def test_the_case_reference_in_the_subject_threads_a_mail_without_headers(
    room: Mailroom, world: World
) -> None:
    room.deliver(compose(message_id="<first@example.nl>"))
    (first,) = rows(world, messages)
    _close_all(world)
    reference = format_reference(first.case_id)  # type: ignore[attr-defined]
    room.deliver(
        compose(subject=f"Re: Vraag over rente [{reference}]", message_id="<n@example.nl>")
    )
    assert rows(world, messages)[-1].case_id == first.case_id  # type: ignore[attr-defined]


def test_a_stranger_quoting_a_reference_gets_a_case_of_their_own(
    room: Mailroom, world: World
) -> None:
    room.deliver(compose(message_id="<first@example.nl>"))
    (first,) = rows(world, messages)
    reference = format_reference(first.case_id)  # type: ignore[attr-defined]
    room.deliver(
        compose(
            sender="piet@elders.example",
            subject=f"Re: [{reference}]",
            message_id="<p@elders.example>",
            in_reply_to="<first@example.nl>",
        )
    )
    stranger = rows(world, messages)[-1]
    assert stranger.case_id != first.case_id  # type: ignore[attr-defined]


def test_customer_html_is_stored_as_text_never_as_html(room: Mailroom, world: World) -> None:
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head>"
        "<body><p>Mijn <b>rente</b> is te laag.</p><p>Groet,<br>Jan &amp; Els</p>"
        '<img src="https://tracker.example/p.gif" onerror="alert(1)"></body></html>'
    )
    room.deliver(compose(text=None, html=html))
    (message,) = rows(world, messages)
    body = message.body  # type: ignore[attr-defined]
    assert "Mijn rente is te laag." in body and "Jan & Els" in body
    assert body.index("laag.") < body.index("Groet")
    for leftover in ("<", "alert", "color:red", "tracker"):
        assert leftover not in body


def test_the_plain_text_part_is_preferred_over_the_html_twin(room: Mailroom, world: World) -> None:
    room.deliver(compose(text="platte tekst", html="<p>opgemaakte tekst</p>"))
    (message,) = rows(world, messages)
    assert message.body == "platte tekst"  # type: ignore[attr-defined]


def test_an_unparseable_mail_is_quarantined_and_the_others_still_arrive(
    room: Mailroom, world: World
) -> None:
    room.store(compose(message_id="<good1@example.nl>"))
    room.store(b"\x00\xff garbage without any headers\r\n\r\n")
    room.store(compose(sender="not an address", message_id="<bad2@example.nl>"))
    room.store(compose(headers={"Auto-Submitted": "auto-replied"}, message_id="<ooo@x.nl>"))
    room.store(b"From: jan@\r\nMessage-ID: <bad3@example.nl>\r\nSubject: x\r\n\r\nhallo\r\n")
    room.store(compose(sender="els@example.nl", message_id="<good2@example.nl>"))

    report = room.run()

    assert (report.imported, report.quarantined) == (2, 4)
    assert {row.external_id for row in rows(world, messages)} == {  # type: ignore[attr-defined]
        "<good1@example.nl>",
        "<good2@example.nl>",
    }
    listed = quarantine_list(world.uow)
    assert len(listed) == 4
    reasons = " | ".join(str(item.reason) for item in listed)
    assert "no valid From address" in reasons and "automatic mail" in reasons
    assert "Mijn pas" not in reasons  # reasons never quote the mail
    assert room.run().handled == 0  # quarantined mails are not retried by every run


def _close_all(world: World) -> None:
    """Resolve every open case (within the reopen window a threaded reply reopens it)."""
    with world.read() as connection:
        ids = [row.id for row in connection.execute(select(cases.c.id, cases.c.status))
               if row.status != "resolved"]  # fmt: skip
    for case_id in ids:
        case_service.change_status(
            world.uow(), actor=SYSTEM, case_id=CaseId(case_id), status=CaseStatus.RESOLVED,
            now=T0 + timedelta(seconds=30),
        )  # fmt: skip
