"""The emergency lane in the services, on SQLite and PostgreSQL: report, ladder, metrics, blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.tables import card_blocks, emergency_reports, messages
from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.emergency_reports import BlockStatus, ReportVia
from klantenservice.domain.errors import PermissionDenied, ValidationError
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import Channel, Presence, Priority, Role
from klantenservice.services import cases, directory, inbound
from klantenservice.services import messages as replies
from klantenservice.services.card_blocks import (
    BlockRefused,
    BlockRequest,
    BlockUnavailable,
    send_block,
)
from klantenservice.services.emergency_intake import recognise
from klantenservice.services.emergency_lane import lane_metrics, sweep_escalations
from klantenservice.services.inbound import InboundMessage, IntakeOptions, IntakeResult
from klantenservice.services.ports import SYSTEM, Actor

REFERENCE = re.compile(r"^SOS-[0-9A-Z]{4}-[0-9A-Z]{4}$")
SUPERVISOR = Actor(kind="user", id=99, roles=frozenset({Role.SUPERVISOR}), name="sup")
OPTIONS = IntakeOptions(emergency_number="+31 20 555 0100", sos_url="https://bank.example/sos")
LANE_POLICY = PromisePolicy(
    name="emergency",
    calendar="24/7",
    priority=Priority.EMERGENCY,
    first_response=timedelta(minutes=10),
    next_response=timedelta(minutes=10),
    resolution=timedelta(hours=24),
)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    world = build_world(database_url, policies=())
    always = {"weekly_hours": [[["00:00", "24:00"]]] * 7}
    directory.put_calendar(world.uow(), actor=SYSTEM, name="24/7", definition=always, now=T0)
    directory.create_queue(
        world.uow(), actor=SYSTEM, queue=Queue(None, "emergency", calendar="24/7"), now=T0
    )
    directory.add_promise_policy(world.uow(), actor=SYSTEM, policy=LANE_POLICY, now=T0)
    yield world
    world.close()


def emergency(world: World, *, at: timedelta = timedelta(0), **fields: Any) -> IntakeResult:
    fields.setdefault("channel", Channel.CHAT)
    return world.receive(
        "Er wordt geld van mijn rekening gehaald!",
        at=T0 + at,
        priority=Priority.EMERGENCY,
        options=OPTIONS,
        **fields,
    )


def test_an_emergency_gets_a_report_a_reference_and_an_acknowledgement_at_once(
    world: World,
) -> None:
    result = emergency(world, external_id="chat-1")
    assert REFERENCE.match(result.emergency_reference or "")
    assert result.reported_at == T0  # to the second
    with world.read() as db:
        report = db.execute(select(emergency_reports)).one()
        sent = db.execute(select(messages).where(messages.c.author_kind == "system")).one()
    assert (report.reference, report.case_id, report.via) == (
        result.emergency_reference,
        result.case_id,
        ReportVia.MARKED.value,
    )
    assert report.retain_until >= T0 + timedelta(days=18 * 30)
    assert sent.case_id == result.case_id and sent.direction == "outbound"
    assert result.emergency_reference in sent.body and "10 min" in sent.body
    assert "https://bank.example/sos" in sent.body and "+31 20 555 0100" in sent.body
    assert "emergency.reported" in world.audit_actions()
    assert {"emergency.reported", "message.outbound"} <= set(world.outbox_topics())
    with world.uow() as uow:
        case = uow.cases.get(result.case_id)
        history = uow.cases.history([result.case_id])
    assert case is not None and "fraud" in case.required_skills
    assert all(e.kind.value != "agent_reply" for e in history)  # the system is not a human


def test_the_same_message_twice_is_one_report(world: World) -> None:
    first = emergency(world, external_id="chat-1")
    again = emergency(world, external_id="chat-1")
    assert again.duplicate and again.case_id == first.case_id
    assert world.count(emergency_reports) == 1


def test_an_emergency_during_an_ongoing_case_gets_its_own_linked_case(world: World) -> None:
    world.add_agent("femke")
    ongoing = world.receive("Vraag over mijn hypotheek", channel=Channel.CHAT, options=OPTIONS)
    replies.reply_to_case(
        world.uow(), actor=world.agent_actor("femke"), case_id=ongoing.case_id,
        body="Waarmee kan ik helpen?", now=T0 + timedelta(seconds=30),
    )  # fmt: skip
    alarm = emergency(world, at=timedelta(minutes=1))
    assert alarm.case_created and alarm.case_id != ongoing.case_id
    with world.uow() as uow:
        case = uow.cases.get(alarm.case_id)
    assert case is not None and case.linked_to == ongoing.case_id
    assert case.priority is Priority.EMERGENCY
    follow_up = emergency(world, at=timedelta(minutes=2))  # on the emergency case itself
    assert follow_up.case_id == alarm.case_id and follow_up.emergency_reference is None


def test_the_ladder_alerts_at_5_and_8_minutes_once_each(world: World) -> None:
    result = emergency(world)
    assert sweep_escalations(world.uow(), now=T0 + timedelta(minutes=4, seconds=59)) == []
    first = sweep_escalations(world.uow(), now=T0 + timedelta(minutes=5))
    assert [(e.case_id, e.level, e.due_at) for e in first] == [
        (result.case_id, 1, T0 + timedelta(minutes=5))
    ]
    assert sweep_escalations(world.uow(), now=T0 + timedelta(minutes=7)) == []
    second = sweep_escalations(world.uow(), now=T0 + timedelta(minutes=8, seconds=10))
    assert [(e.level, e.due_at, e.fired_at) for e in second] == [
        (2, T0 + timedelta(minutes=8), T0 + timedelta(minutes=8, seconds=10))
    ]
    assert sweep_escalations(world.uow(), now=T0 + timedelta(minutes=30)) == []
    assert world.audit_actions().count("emergency.escalated") == 2
    assert world.outbox_topics().count("emergency.escalated") == 2


def test_a_rung_missed_while_the_worker_was_down_still_fires_late(world: World) -> None:
    emergency(world)
    late = sweep_escalations(world.uow(), now=T0 + timedelta(minutes=20))
    assert [(e.level, e.due_at) for e in late] == [
        (1, T0 + timedelta(minutes=5)),
        (2, T0 + timedelta(minutes=8)),
    ]


@pytest.mark.parametrize("way", ["reply", "call"])
def test_human_contact_before_5_minutes_stops_the_ladder(world: World, way: str) -> None:
    world.add_agent("femke")
    actor = world.agent_actor("femke")
    result = emergency(world)
    if way == "reply":
        replies.reply_to_case(
            world.uow(), actor=actor, case_id=result.case_id,
            body="Ik bel u nu.", now=T0 + timedelta(minutes=3),
        )  # fmt: skip
    else:
        cases.record_contact(
            world.uow(), actor=actor, case_id=result.case_id, via="call_back",
            now=T0 + timedelta(minutes=3),
        )  # fmt: skip
    assert sweep_escalations(world.uow(), now=T0 + timedelta(minutes=9)) == []
    metrics = lane_metrics(
        world.uow(), actor=SUPERVISOR, since=T0, until=T0 + timedelta(hours=1), now=T0
    )
    assert metrics.entries[0].time_to_human == timedelta(minutes=3)
    assert metrics.share_within == 1.0


def test_a_contact_needs_a_known_way(world: World) -> None:
    world.add_agent("femke")
    result = emergency(world)
    with pytest.raises(ValidationError, match="via must be one of"):
        cases.record_contact(
            world.uow(), actor=world.agent_actor("femke"), case_id=result.case_id,
            via="carrier pigeon", now=T0,
        )  # fmt: skip


def test_metrics_give_time_to_human_and_the_share_within_10_minutes(world: World) -> None:
    world.add_agent("femke")
    actor = world.agent_actor("femke")
    quick = emergency(world, email="a@example.nl")
    slow = emergency(world, email="b@example.nl", at=timedelta(minutes=1))
    waiting = emergency(world, email="c@example.nl", at=timedelta(minutes=20))
    for result, after in ((quick, 4), (slow, 13)):
        cases.record_contact(
            world.uow(), actor=actor, case_id=result.case_id, via="call_back",
            now=T0 + timedelta(minutes=after),
        )  # fmt: skip
    now = T0 + timedelta(minutes=23)
    metrics = lane_metrics(
        world.uow(), actor=SUPERVISOR, since=T0, until=T0 + timedelta(hours=1), now=now
    )
    by_case = {e.case_id: e for e in metrics.entries}
    assert by_case[quick.case_id].time_to_human == timedelta(minutes=4)
    assert by_case[slow.case_id].time_to_human == timedelta(minutes=12)
    assert by_case[slow.case_id].within_promise is False
    assert by_case[waiting.case_id].waiting == timedelta(minutes=3)
    assert by_case[waiting.case_id].within_promise is None  # still inside its 10 minutes
    assert (metrics.emergencies, metrics.contacted, metrics.within_target) == (3, 2, 1)
    assert metrics.share_within == 0.5 and metrics.max_seconds == 12 * 60
    with pytest.raises(PermissionDenied):
        lane_metrics(world.uow(), actor=actor, since=T0, until=now, now=now)


def test_bots_never_close_an_emergency_case(world: World) -> None:
    result = emergency(world)
    bot = Actor(kind="token", id=5, roles=frozenset({Role.ADMIN}), name="chatbot")
    with pytest.raises(PermissionDenied, match="only a person"):
        cases.change_status(
            world.uow(), actor=bot, case_id=result.case_id, status=CaseStatus.RESOLVED, now=T0
        )
    normal = world.receive("Vraag over rente", email="x@example.nl", options=OPTIONS)
    changed = cases.change_status(
        world.uow(), actor=bot, case_id=normal.case_id, status=CaseStatus.RESOLVED, now=T0
    )
    assert changed.status is CaseStatus.RESOLVED  # other cases: integrations may resolve


def test_reports_are_kept_18_months_then_purged(world: World) -> None:
    emergency(world)
    with world.uow() as uow:
        assert uow.emergencies.purge_expired(T0 + timedelta(days=17 * 31)) == 0
        uow.commit()
    assert world.count(emergency_reports) == 1
    with world.uow() as uow:
        assert uow.emergencies.purge_expired(T0 + timedelta(days=18 * 31)) == 1
        uow.commit()
    assert world.count(emergency_reports) == 0


class FakeCore:
    def __init__(self, *answers: str | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[BlockRequest] = []

    def block_card(self, request: BlockRequest) -> str:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def block_requested(world: World) -> int:
    emergency(world, block_card=True, card_last_four="1234")
    with world.read() as db:
        return int(db.execute(select(emergency_reports.c.id)).scalar_one())


def test_a_card_block_is_sent_and_confirmed_once(world: World) -> None:
    report_id = block_requested(world)
    assert "card_block.requested" in world.outbox_topics()
    core = FakeCore("CORE-77")
    outcome = send_block(world.uow, core, report_id=report_id, now=T0, last_attempt=False)
    assert outcome.status is BlockStatus.BLOCKED
    assert core.requests[0].card_last_four == "1234"
    assert REFERENCE.match(core.requests[0].reference)
    again = send_block(world.uow, core, report_id=report_id, now=T0, last_attempt=False)
    assert again.status is BlockStatus.BLOCKED and len(core.requests) == 1  # not sent twice
    with world.read() as db:
        row = db.execute(select(card_blocks)).one()
    assert (row.status, row.core_reference, row.attempts) == ("blocked", "CORE-77", 1)
    assert "card_block.confirmed" in world.outbox_topics()


def test_an_unreachable_core_is_retried_then_alerted(world: World) -> None:
    report_id = block_requested(world)
    core = FakeCore(BlockUnavailable("HTTP 503"), BlockUnavailable("timeout"))
    with pytest.raises(BlockUnavailable):
        send_block(world.uow, core, report_id=report_id, now=T0, last_attempt=False)
    with world.read() as db:
        assert db.execute(select(card_blocks.c.status, card_blocks.c.attempts)).one() == (
            "requested",
            1,
        )
    outcome = send_block(world.uow, core, report_id=report_id, now=T0, last_attempt=True)
    assert (outcome.status, outcome.attempts) == (BlockStatus.FAILED, 2)
    assert "card_block.failed" in world.outbox_topics()


def test_a_refused_block_fails_at_once(world: World) -> None:
    report_id = block_requested(world)
    core = FakeCore(BlockRefused("HTTP 404"))
    outcome = send_block(world.uow, core, report_id=report_id, now=T0, last_attempt=False)
    assert outcome.status is BlockStatus.FAILED and "HTTP 404" in (outcome.detail or "")
    assert world.outbox_topics().count("card_block.failed") == 1


def test_an_emergency_in_a_chat_that_just_started_raises_that_case(world: World) -> None:
    opened = world.receive("Hallo", channel=Channel.CHAT, options=OPTIONS)
    alarm = emergency(world, at=timedelta(seconds=30))
    assert alarm.case_id == opened.case_id and not alarm.case_created
    assert REFERENCE.match(alarm.emergency_reference or "")
    with world.uow() as uow:
        case = uow.cases.get(alarm.case_id)
        emergency_queue = uow.directory.queue_by_name("emergency")
        kinds = [e.kind.value for e in uow.cases.history([alarm.case_id])]
    assert case is not None and emergency_queue is not None
    assert (case.priority, case.queue_id) == (Priority.EMERGENCY, emergency_queue.id)
    assert "fraud" in case.required_skills
    assert {"priority_changed", "queue_changed"} <= set(kinds)


def fraud_agent(world: World, name: str) -> int:
    with world.uow() as uow:
        emergency_queue = uow.directory.queue_by_name("emergency")
    assert emergency_queue is not None and emergency_queue.id is not None
    agent = Agent(
        None, None, name, languages=frozenset({"nl", "en"}), skills=frozenset({"fraud"}),
        queue_ids=frozenset({world.queue_id, emergency_queue.id}),
        capacity={Channel.CHAT: 2, Channel.PHONE: 1}, presence=Presence.AVAILABLE,
    )  # fmt: skip
    stored = directory.create_agent(world.uow(), actor=SYSTEM, agent=agent, now=T0)
    assert stored.id is not None
    return stored.id


def test_push_routing_holds_a_fraud_agent_while_an_emergency_waits(world: World) -> None:
    femke = fraud_agent(world, "Femke")
    chat = world.receive("Vraag over rente", channel=Channel.CHAT, options=OPTIONS)
    assert chat.assigned_agent_id == femke
    call = emergency(world, channel=Channel.PHONE, email="b@example.nl", at=timedelta(minutes=1))
    assert call.assigned_agent_id is None  # on a chat: no call for her until it ends
    later = world.receive(
        "Nog een vraag over sparen", channel=Channel.CHAT, email="c@example.nl",
        at=T0 + timedelta(minutes=2), options=OPTIONS,
    )  # fmt: skip
    assert later.assigned_agent_id is None  # she has room for a chat, but is held
    assert "held for the emergency lane" in " ".join(later.routing)
    assert f"KS-{call.case_id:06d}" in " ".join(later.routing)


def test_recognition_hands_on_what_it_found_and_leaves_the_rest_alone() -> None:
    plain = InboundMessage(channel=Channel.CHAT, body="Wat is de rente?")
    assert recognise(plain) == (plain, None)  # unchanged: nothing copied on the hot path
    alarm = InboundMessage(channel=Channel.SMS, body="Mijn pas is gestolen!", category="cards")
    marked, found = recognise(alarm)
    assert found is not None
    assert (marked.priority, marked.detected_kind) == (Priority.EMERGENCY, found.kind)
    assert marked.category == "cards"  # the sender's category stays; the kind travels apart
    assert recognise(marked) == (marked, None)  # the writer does not read it again


def test_a_message_recognised_before_the_writer_is_reported_with_its_kind(world: World) -> None:
    marked, _ = recognise(
        InboundMessage(
            channel=Channel.SMS, body="Mijn pas is gestolen!", category="cards",
            contact=ContactPoint.parse("email", "z@example.nl"),
        )
    )  # fmt: skip
    options = replace(OPTIONS, recognise=False)  # as the process writer's child runs
    result = inbound.receive_message(
        world.uow, actor=SYSTEM, inbound=marked, now=T0, options=options
    )
    with world.uow() as uow:
        (report,) = uow.emergencies.reports_for_case(result.case_id)
    assert report.kind is not None and report.kind.value == "lost_or_stolen_card"
    assert report.via is ReportVia.DETECTED
