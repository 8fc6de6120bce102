"""Agent replies by e-mail through the outbox to a real SMTP server (aiosmtpd), threaded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import cast

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from tests.adapters.test_chat_transcript_mail import Inbox
from tests.adapters.test_email_smtp_server import free_port
from tests.services.email_support import Mailroom, compose
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.db.tables import email_outbound, messages, outbox
from klantenservice.adapters.mail.smtp import SmtpMailer
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import cases as case_service
from klantenservice.services import messages as message_service
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory
from klantenservice.workers.email_reply import EmailReplyHandler
from klantenservice.workers.outbox_dispatcher import OutboxDispatcher, OutboxEvent

SENDER = "klantenservice@polderbank.example"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """The customer's mail server: a real aiosmtpd on 127.0.0.1 keeping what it received."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def handler(world: World, port: int) -> EmailReplyHandler:
    mailer = SmtpMailer(host="127.0.0.1", port=port, sender=SENDER, security="none", timeout=5)
    return EmailReplyHandler(
        cast(UnitOfWorkFactory, world.uow),
        mailer,
        FixedClock(T0 + timedelta(minutes=5)),
        domain="polderbank.example",
    )


def customer_writes_and_anna_replies(world: World, room: Mailroom) -> CaseId:
    room.deliver(compose(message_id="<first@example.nl>", subject="Vraag over rente"))
    with world.read() as connection:
        case_id = CaseId(connection.execute(select(messages.c.case_id)).scalar_one())
    world.add_agent("anna")
    message_service.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id,
        body="Ik blokkeer hem nu.\nGroet, Anna", now=T0 + timedelta(minutes=2),
    )  # fmt: skip
    return case_id


def test_the_reply_goes_out_threaded_and_the_customers_answer_comes_back_to_the_case(
    world: World, inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    server, port = inbox
    room = Mailroom(world, tmp_path)
    case_id = customer_writes_and_anna_replies(world, room)

    OutboxDispatcher(world.uow, [handler(world, port)], FixedClock(T0 + timedelta(minutes=5)))\
        .run_once()  # fmt: skip

    ((envelope, mail),) = server.mails
    assert envelope.rcpt_tos == ["jan@example.nl"]
    assert mail["Subject"] == f"Re: Vraag over rente [KS-{case_id:06d}]"
    assert mail["In-Reply-To"] == "<first@example.nl>"
    assert mail["References"] == "<first@example.nl>"
    assert "Auto-Submitted" not in mail  # a person wrote it: auto-replies may answer
    assert mail.get_content().replace("\r\n", "\n").strip() == "Ik blokkeer hem nu.\nGroet, Anna"
    with world.read() as connection:
        stored = connection.execute(select(email_outbound)).one()
        assert stored.rfc_message_id == mail["Message-ID"]
        assert stored.sent_at is not None
        assert connection.execute(select(outbox.c.delivered_at).where(
            outbox.c.topic == "message.outbound")).scalar_one() is not None  # fmt: skip

    case_service.change_status(
        world.uow(), actor=SYSTEM, case_id=case_id, status=CaseStatus.RESOLVED,
        now=T0 + timedelta(minutes=6),
    )  # fmt: skip
    room.deliver(
        compose(
            subject="Bedankt!",  # no reference in the subject: the header alone threads it
            message_id="<thanks@example.nl>",
            in_reply_to=mail["Message-ID"],
            references=f"<first@example.nl> {mail['Message-ID']}",
        )
    )
    with world.read() as connection:
        last = connection.execute(select(messages).order_by(messages.c.id.desc())).first()
    assert (
        last is not None
        and last.case_id == case_id
        and last.body == "Wat is de rente op mijn spaarrekening?"
    )


def test_the_same_event_delivered_twice_sends_one_mail(
    world: World, inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    server, port = inbox
    customer_writes_and_anna_replies(world, Mailroom(world, tmp_path))
    with world.read() as connection:
        row = connection.execute(select(outbox).where(outbox.c.topic == "message.outbound")).one()
    event = OutboxEvent(row.id, row.topic, row.payload, row.created_at, attempt=1)
    reply = handler(world, port)

    reply.deliver(event)
    reply.deliver(event)

    assert len(server.mails) == 1


def test_a_failed_send_is_retried_with_the_same_message_id(
    world: World, inbox: tuple[Inbox, int], tmp_path: Path
) -> None:
    server, port = inbox
    customer_writes_and_anna_replies(world, Mailroom(world, tmp_path))
    clock = FixedClock(T0 + timedelta(minutes=5))
    dispatcher = OutboxDispatcher(world.uow, [handler(world, port)], clock)
    server.refuse = True
    dispatcher.run_once()
    with world.read() as connection:
        first_id = connection.execute(select(email_outbound.c.rfc_message_id)).scalar_one()
        error = connection.execute(select(outbox.c.last_error).where(
            outbox.c.topic == "message.outbound")).scalar_one()  # fmt: skip
    assert error == "email-reply: 127.0.0.1: recipient refused"

    server.refuse = False
    clock.advance(timedelta(hours=1))
    dispatcher.run_once()
    ((_envelope, mail),) = server.mails
    assert mail["Message-ID"] == first_id


def test_replies_on_other_channels_are_left_to_their_own_handlers(
    world: World, inbox: tuple[Inbox, int]
) -> None:
    server, port = inbox
    event = OutboxEvent(
        1, "message.outbound", {"message_id": 1, "case_id": 1, "channel": "whatsapp"}, T0, 1
    )
    handler(world, port).deliver(event)
    assert server.mails == []
