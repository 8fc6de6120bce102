"""Outbound WhatsApp: the outbox handler sends through httpx to a local fake of the Graph API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from tests.services.fake_graph import (
    ACCESS_TOKEN,
    PHONE_NUMBER_ID,
    VERSION,
    FakeGraph,
    running_fake_graph,
)
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.whatsapp.cloud_api import CloudApiSender
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.vocabulary import CaseId, Channel, MessageId
from klantenservice.domain.whatsapp import TemplateRegistry
from klantenservice.services import inbound, messages, messaging
from klantenservice.services.inbound import InboundMessage, IntakeOptions
from klantenservice.services.messaging import StatusUpdate
from klantenservice.services.ports import UnitOfWorkFactory
from klantenservice.workers.messaging_outbound import ChannelSender
from klantenservice.workers.outbox_dispatcher import OutboxDispatcher, OutboxEvent

WA_ID = "31612345678"


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("anna")
    yield built
    built.close()


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    with running_fake_graph() as fake:
        yield fake


def sender_for(graph: FakeGraph, token: str = ACCESS_TOKEN) -> CloudApiSender:
    return CloudApiSender(
        base_url=graph.url, version=VERSION, phone_number_id=PHONE_NUMBER_ID, access_token=token
    )


def uow_of(world: World) -> UnitOfWorkFactory:
    return cast(UnitOfWorkFactory, world.uow)


def whatsapp_case(world: World) -> CaseId:
    message = InboundMessage(
        channel=Channel.WHATSAPP,
        body="Mijn pas is geblokkeerd",
        external_id="wamid.in1",
        contact=ContactPoint.parse("whatsapp", WA_ID),
        sent_at=T0,
    )
    result = inbound.receive_message(
        world.uow,
        actor=messaging.channel_actor(Channel.WHATSAPP),
        inbound=message,
        now=T0,
        options=IntakeOptions(),
    )
    return result.case_id


def dispatcher(world: World, graph: FakeGraph, clock: FixedClock) -> OutboxDispatcher:
    handler = ChannelSender(Channel.WHATSAPP, uow_of(world), sender_for(graph), clock)
    return OutboxDispatcher(world.uow, [handler], clock)


def test_a_reply_is_sent_as_meta_specifies_and_its_wamid_recorded(
    world: World, graph: FakeGraph
) -> None:
    case_id = whatsapp_case(world)
    reply = messages.reply_to_case(
        world.uow(),
        actor=world.agent_actor("anna"),
        case_id=case_id,
        body="We kijken ernaar",
        now=T0 + timedelta(minutes=5),
    )
    clock = FixedClock(T0 + timedelta(minutes=6))
    worker = dispatcher(world, graph, clock)
    worker.run_once()
    assert graph.refused == []
    assert graph.requests == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": WA_ID,
            "type": "text",
            "text": {"preview_url": False, "body": "We kijken ernaar"},
        }
    ]
    assert reply.id is not None
    delivery, statuses = messaging.delivery_of(uow_of(world), reply.id)
    assert delivery is not None
    assert (delivery.state, delivery.provider_id) == ("accepted", "wamid.FAKE0001")
    assert list(statuses) == []
    worker.run_once()  # delivered: nothing more is sent
    assert len(graph.requests) == 1


def test_a_retried_outbox_event_sends_nothing_twice(world: World, graph: FakeGraph) -> None:
    case_id = whatsapp_case(world)
    reply = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hallo", now=T0
    )
    assert reply.id is not None
    handler = ChannelSender(Channel.WHATSAPP, uow_of(world), sender_for(graph), FixedClock())
    payload = {"message_id": reply.id, "case_id": case_id, "channel": "whatsapp"}
    event = OutboxEvent(id=7, topic="message.outbound", payload=payload, created_at=T0, attempt=1)
    handler.deliver(event)
    handler.deliver(OutboxEvent(7, "message.outbound", payload, T0, attempt=2))
    assert len(graph.requests) == 1
    handler.deliver(OutboxEvent(8, "message.outbound", {**payload, "channel": "sms"}, T0, 1))
    handler.deliver(OutboxEvent(9, "message.received", payload, T0, 1))
    assert len(graph.requests) == 1


def test_status_callbacks_are_found_for_our_message(world: World, graph: FakeGraph) -> None:
    case_id = whatsapp_case(world)
    reply = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hallo", now=T0
    )
    dispatcher(world, graph, FixedClock()).run_once()
    updates = [
        StatusUpdate("wamid.FAKE0001", "sent", T0 + timedelta(seconds=1)),
        StatusUpdate("wamid.FAKE0001", "delivered", T0 + timedelta(seconds=2)),
        StatusUpdate("wamid.FAKE0001", "read", T0 + timedelta(seconds=30)),
    ]
    assert messaging.record_statuses(uow_of(world), channel=Channel.WHATSAPP, updates=updates) == 3
    assert messaging.record_statuses(uow_of(world), channel=Channel.WHATSAPP, updates=updates) == 0
    assert reply.id is not None
    _delivery, statuses = messaging.delivery_of(uow_of(world), reply.id)
    assert [s.status for s in statuses] == ["sent", "delivered", "read"]


def test_a_provider_outage_is_retried_and_then_sent_once(world: World, graph: FakeGraph) -> None:
    case_id = whatsapp_case(world)
    messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hallo", now=T0
    )
    graph.fail_with = [503, 429]
    clock = FixedClock(T0)
    worker = dispatcher(world, graph, clock)
    worker.run_once()
    assert (graph.requests, worker.pending_report().retrying) == ([], 1)
    clock.advance(timedelta(minutes=1))
    worker.run_once()
    assert (graph.requests, worker.pending_report().retrying) == ([], 1)
    clock.advance(timedelta(minutes=2))
    worker.run_once()
    assert len(graph.requests) == 1
    report = worker.pending_report()
    assert (report.waiting, report.retrying) == (0, 0)


def test_a_refused_message_is_recorded_and_not_retried(world: World, graph: FakeGraph) -> None:
    case_id = whatsapp_case(world)
    reply = messages.reply_to_case(
        world.uow(), actor=world.agent_actor("anna"), case_id=case_id, body="Hallo", now=T0
    )
    clock = FixedClock(T0)
    handler = ChannelSender(
        Channel.WHATSAPP, uow_of(world), sender_for(graph, token="wrong"), clock
    )
    worker = OutboxDispatcher(world.uow, [handler], clock)
    worker.run_once()
    report = worker.pending_report()  # handled: refused for good, not retried
    assert (report.waiting, report.retrying, report.dead_count) == (0, 0, 0)
    assert reply.id is not None
    delivery, _ = messaging.delivery_of(uow_of(world), reply.id)
    assert delivery is not None
    assert (delivery.state, delivery.error) == ("refused", "whatsapp: HTTP 401, code 190")
    assert graph.requests == []


def test_a_template_goes_out_as_a_template_message(world: World, graph: FakeGraph) -> None:
    case_id = whatsapp_case(world)
    registry = TemplateRegistry.from_mapping({"pas_geblokkeerd": {"nl": "Beste {{1}}, pas {{2}}."}})
    later = T0 + timedelta(days=2)
    message = messaging.send_whatsapp_template(
        world.uow(),
        actor=world.agent_actor("anna"),
        case_id=case_id,
        name="pas_geblokkeerd",
        language="nl",
        parameters=["Jan", "4321"],
        registry=registry,
        now=later,
    )
    assert message.body == "Beste Jan, pas 4321."
    dispatcher(world, graph, FixedClock(later)).run_once()
    assert graph.refused == []
    assert graph.requests == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": WA_ID,
            "type": "template",
            "template": {
                "name": "pas_geblokkeerd",
                "language": {"code": "nl"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "Jan"},
                            {"type": "text", "text": "4321"},
                        ],
                    }
                ],
            },
        }
    ]
    assert message.id is not None
    assert messaging.delivery_of(uow_of(world), MessageId(message.id))[0] is not None
