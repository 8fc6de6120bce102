"""Outbound SMS: the twilio client, pointed at a local fake of Twilio's Messages API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from tests.services.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    FakeTwilio,
    running_fake_twilio,
)
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.sms.twilio_sender import TwilioSmsSender
from klantenservice.cli_channels import channel_senders
from klantenservice.domain import sms
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.errors import InvalidTransition
from klantenservice.domain.vocabulary import CaseId, Channel
from klantenservice.services import inbound, messages, messaging
from klantenservice.services.inbound import InboundMessage, IntakeOptions
from klantenservice.services.messaging_ports import SendRefused, TemplateSend
from klantenservice.services.ports import UnitOfWorkFactory
from klantenservice.settings import Settings
from klantenservice.workers.messaging_outbound import ChannelSender
from klantenservice.workers.outbox_dispatcher import OutboxDispatcher

PHONE = "+31612345678"
PUBLIC = "https://klantenservice.bank.example"


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("anna")
    yield built
    built.close()


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with running_fake_twilio() as fake:
        yield fake


def sender_for(fake: FakeTwilio, token: str = AUTH_TOKEN) -> TwilioSmsSender:
    return TwilioSmsSender(
        account_sid=ACCOUNT_SID,
        auth_token=token,
        from_number=FROM_NUMBER,
        api_base=fake.url,
        public_base_url=PUBLIC,
    )


def uow_of(world: World) -> UnitOfWorkFactory:
    return cast(UnitOfWorkFactory, world.uow)


def sms_case(world: World) -> CaseId:
    message = InboundMessage(
        channel=Channel.SMS,
        body="Mijn pas is ingeslikt",
        external_id="SM" + "a" * 32,
        contact=ContactPoint.parse("phone", PHONE),
    )
    return inbound.receive_message(
        world.uow,
        actor=messaging.channel_actor(Channel.SMS),
        inbound=message,
        now=T0,
        options=IntakeOptions(),
    ).case_id


def worker(world: World, fake: FakeTwilio, clock: FixedClock, **kw: str) -> OutboxDispatcher:
    handler = ChannelSender(Channel.SMS, uow_of(world), sender_for(fake, **kw), clock)
    return OutboxDispatcher(world.uow, [handler], clock)


def test_a_reply_is_sent_through_the_twilio_client_and_its_sid_recorded(
    world: World, twilio: FakeTwilio
) -> None:
    case_id = sms_case(world)
    reply = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Wij bellen u", now=T0
    )
    dispatcher = worker(world, twilio, FixedClock(T0))
    dispatcher.run_once()
    assert twilio.refused == []
    assert twilio.requests == [
        {
            "To": PHONE,
            "From": FROM_NUMBER,
            "Body": "Wij bellen u",
            "StatusCallback": PUBLIC + "/webhooks/sms/status",
        }
    ]
    assert reply.id is not None
    delivery, _ = messaging.delivery_of(uow_of(world), reply.id)
    assert delivery is not None
    assert (delivery.state, delivery.provider_id) == ("accepted", f"SM{1:032d}")
    dispatcher.run_once()
    assert len(twilio.requests) == 1


def test_a_number_that_opted_out_after_the_reply_gets_no_sms(
    world: World, twilio: FakeTwilio
) -> None:
    case_id = sms_case(world)
    reply = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hallo", now=T0
    )
    messaging.record_consent(
        uow_of(world),
        message_sid="SM" + "s" * 32,
        phone=PHONE,
        change=sms.ConsentChange("STOP", opted_out=True),
        now=T0,
    )
    worker(world, twilio, FixedClock(T0)).run_once()
    assert twilio.requests == []
    assert reply.id is not None
    delivery, _ = messaging.delivery_of(uow_of(world), reply.id)
    assert delivery is not None
    assert (delivery.state, delivery.error) == ("refused", messaging.OPTED_OUT)
    with pytest.raises(InvalidTransition, match="opted out"):  # and agents are told at once
        messages.reply_to_case(
            world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hoi", now=T0
        )


def test_an_outage_is_retried_and_a_refusal_is_not(world: World, twilio: FakeTwilio) -> None:
    case_id = sms_case(world)
    first = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Een", now=T0
    )
    twilio.fail_with = [(503, 20500)]
    clock = FixedClock(T0)
    dispatcher = worker(world, twilio, clock)
    dispatcher.run_once()
    assert (twilio.requests, dispatcher.pending_report().retrying) == ([], 1)
    clock.advance(timedelta(minutes=1))
    dispatcher.run_once()
    assert [r["Body"] for r in twilio.requests] == ["Een"]
    second = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Twee", now=T0
    )
    twilio.fail_with = [(400, 21610)]  # Twilio: "Attempt to send to unsubscribed recipient"
    dispatcher.run_once()
    assert second.id is not None and first.id is not None
    delivery, _ = messaging.delivery_of(uow_of(world), second.id)
    assert delivery is not None
    assert (delivery.state, delivery.error) == ("refused", "sms: HTTP 400, code 21610")
    assert dispatcher.pending_report().retrying == 0


def test_wrong_credentials_are_a_refusal_recorded_for_the_operator(
    world: World, twilio: FakeTwilio
) -> None:
    case_id = sms_case(world)
    reply = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hallo", now=T0
    )
    worker(world, twilio, FixedClock(T0), token="wrong").run_once()
    assert twilio.refused == ["authentication failed"]
    assert reply.id is not None
    delivery, _ = messaging.delivery_of(uow_of(world), reply.id)
    assert delivery is not None and delivery.error == "sms: HTTP 401, code 20003"


def test_templates_are_not_sent_as_sms(twilio: FakeTwilio) -> None:
    with pytest.raises(SendRefused, match="WhatsApp"):
        sender_for(twilio).send(to=PHONE, body="x", template=TemplateSend("t", "nl", ()))
    assert twilio.requests == []


def test_without_credentials_a_reply_is_refused_naming_the_settings_not_dropped(
    world: World, database_url: str
) -> None:
    case_id = sms_case(world)
    reply = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hallo", now=T0
    )
    settings = Settings(database_url=database_url, environment="test")  # no Twilio, no Meta
    senders = channel_senders(settings, world.uow, FixedClock(T0))
    assert {sender.name for sender in senders} == {"whatsapp-sender", "sms-sender"}
    OutboxDispatcher(world.uow, list(senders), FixedClock(T0)).run_once()
    assert reply.id is not None
    delivery, _ = messaging.delivery_of(uow_of(world), reply.id)
    assert delivery is not None
    assert delivery.state == "refused"
    assert delivery.error == (
        "sms: not configured (KS_TWILIO_ACCOUNT_SID, KS_TWILIO_AUTH_TOKEN, KS_TWILIO_FROM_NUMBER)"
    )
