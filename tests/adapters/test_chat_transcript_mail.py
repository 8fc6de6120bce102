"""Chat transcripts by e-mail, end to end through the outbox: a real SMTP server (aiosmtpd on
127.0.0.1) receives the mail the worker's handler sends with the SMTP adapter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from sqlalchemy import select
from tests.services.world import T0, FixedClock, World, build_world
from tests.support.smtp_inbox import Inbox, running_inbox

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import chat_transcripts, outbox
from klantenservice.adapters.mail.smtp import SmtpMailer
from klantenservice.adapters.security import fast_hasher
from klantenservice.domain.vocabulary import Language
from klantenservice.services import chat
from klantenservice.services import messages as message_service
from klantenservice.services.chat_transcript import request_transcript
from klantenservice.services.inbound import IntakeOptions, receive_batch
from klantenservice.services.ports import UnitOfWorkFactory
from klantenservice.web.widget.transcript_mail import TranscriptMail
from klantenservice.workers.chat_transcript import TranscriptMailHandler
from klantenservice.workers.outbox_dispatcher import OutboxDispatcher

SENDER = "klantenservice@polderbank.example"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with running_inbox() as running:
        yield running


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def chat_with_a_note(world: World) -> chat.StartedChat:
    started = chat.start_chat(
        world.uow(),
        start=chat.ChatStart(name="Jan", language=Language.NL),
        now=T0,
        credentials=Argon2Credentials(fast_hasher()),
        lifetime=timedelta(hours=1),
        queue_name="general",
    )
    request = chat.chat_inbound(
        started.chat, client_id="client-0001", body="Mijn pas <b>is</b> kwijt"
    )
    receive_batch(world.uow, [request], now=T0, options=IntakeOptions(auto_assign=False))
    world.add_agent("anna")
    anna = world.agent_actor("anna")
    case_id = started.chat.case_id
    message_service.add_note(world.uow(), actor=anna, case_id=case_id, body="INTERN", now=T0)
    message_service.reply_to_case(
        world.uow(), actor=anna, case_id=case_id, body="Ik blokkeer hem nu.",
        now=T0 + timedelta(minutes=1),
    )  # fmt: skip
    return started


def dispatcher(world: World, port: int) -> OutboxDispatcher:
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender=SENDER, security="none", timeout=5)
    handler = TranscriptMailHandler(
        cast(UnitOfWorkFactory, world.uow),
        mailer,
        TranscriptMail(timezone="Europe/Amsterdam"),
        FixedClock(T0 + timedelta(minutes=5)),
        message_domain="polderbank.example",
    )
    return OutboxDispatcher(world.uow, [handler], FixedClock(T0 + timedelta(minutes=5)))


def test_the_worker_mails_the_transcript_the_customer_saw_to_the_address_given(
    world: World, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    started = chat_with_a_note(world)
    request_transcript(
        world.uow(), chat=started.chat, email="jan@example.nl", language=Language.NL,
        now=T0 + timedelta(minutes=2),
    )  # fmt: skip
    dispatcher(world, port).run_once()

    ((envelope, mail),) = server.mails
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == ["jan@example.nl"]
    reference = f"KS-{started.chat.case_id:06d}"
    assert mail["Subject"] == f"Transcript van je chat ({reference})"
    assert mail["Content-Language"] == "nl"
    assert mail["Message-ID"].startswith("<chat-transcript-")
    body = mail.get_content()
    assert "Mijn pas <b>is</b> kwijt" in body  # as typed: plain text, nothing interpreted
    assert "Ik blokkeer hem nu." in body
    assert "INTERN" not in body
    assert "[23-11-2026, 10:00] Jij:" in body  # Amsterdam time
    assert body.index("Mijn pas") < body.index("Ik blokkeer")
    with world.read() as connection:
        assert connection.execute(select(chat_transcripts.c.sent_at)).scalar_one() is not None


def test_an_english_transcript_is_written_in_english(
    world: World, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    started = chat_with_a_note(world)
    request_transcript(
        world.uow(), chat=started.chat, email="jan@example.nl", language=Language.EN,
        now=T0 + timedelta(minutes=2),
    )  # fmt: skip
    dispatcher(world, port).run_once()
    ((_, mail),) = server.mails
    assert mail["Subject"].startswith("Transcript of your chat")
    assert "Employee:" in mail.get_content()


def test_a_refusing_mail_server_leaves_the_event_to_retry_with_a_reason_without_the_address(
    world: World, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    server.refuse = True
    started = chat_with_a_note(world)
    request_transcript(
        world.uow(), chat=started.chat, email="jan@example.nl", language=Language.NL, now=T0
    )
    dispatcher(world, port).run_once()
    with world.read() as connection:
        row = connection.execute(
            select(outbox.c.delivered_at, outbox.c.last_error).where(
                outbox.c.topic == "chat.transcript_requested"
            )
        ).one()
        sent_at = connection.execute(select(chat_transcripts.c.sent_at)).scalar_one()
    assert row.delivered_at is None
    assert row.last_error == "chat-transcript: 127.0.0.1: recipient refused"
    assert sent_at is None
    assert server.mails == []
