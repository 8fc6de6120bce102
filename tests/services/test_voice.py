"""Phone calls against a real database: records, language, the call as an inbound message on
the caller's case (matched by E.164 number), idempotency, and the supervisor's figures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.tables import calls, cases, messages
from klantenservice.domain.agents import Queue
from klantenservice.domain.calls import CallStatus, ChoiceBy, PathStep
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.errors import NotFound, PermissionDenied, ValidationError
from klantenservice.domain.ivr import parse_scripts
from klantenservice.domain.ivr_menus import IVR_MENUS
from klantenservice.domain.vocabulary import Channel, Language, Priority, Role
from klantenservice.services import directory, inbound, voice
from klantenservice.services.inbound import InboundMessage, IntakeOptions
from klantenservice.services.ports import SYSTEM

SCRIPTS = parse_scripts(IVR_MENUS)
S = timedelta(seconds=1)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    directory.create_queue(
        built.uow(), actor=SYSTEM, queue=Queue(None, "emergency", calendar="office"), now=T0
    )
    yield built
    built.close()


def start(world: World, sid: str = "CA1", caller: str = "+31612345678", **kw: object) -> object:
    return voice.start_call(
        world.uow(),
        call_sid=sid,
        from_raw=caller,
        to=str(kw.get("to", "+31201234567")),
        now=T0,
        default_language=Language.NL,
        languages_by_number={"+442071234567": Language.EN},
    )


def known_customer(world: World, phone: str, language: Language) -> int:
    result = inbound.receive_message(
        world.uow,
        actor=SYSTEM,
        inbound=InboundMessage(
            channel=Channel.SMS,
            body="hallo",
            external_id="SM1",
            contact=ContactPoint.parse("phone", phone),
            language=language,
        ),
        now=T0 - timedelta(days=30),
        options=IntakeOptions(auto_assign=False),
    )
    return int(result.customer_id)


def test_a_call_is_recorded_once(world: World) -> None:
    first = start(world)
    again = start(world)
    assert first == again
    assert world.count(calls) == 1
    record = voice.get_call(world.uow(), "CA1")
    assert (record.status, record.language, record.from_number) == (
        CallStatus.IVR,
        Language.NL,
        "+31612345678",
    )


def test_the_language_is_the_customers_then_the_dialled_numbers(world: World) -> None:
    known_customer(world, "06 11111111", Language.EN)
    start(world, "CA1", "+31611111111")
    assert voice.get_call(world.uow(), "CA1").language is Language.EN
    start(world, "CA2", "+31622222222", to="+44 20 7123 4567")
    assert voice.get_call(world.uow(), "CA2").language is Language.EN
    start(world, "CA3", "anonymous")
    withheld = voice.get_call(world.uow(), "CA3")
    assert (withheld.language, withheld.from_number) == (Language.NL, "anonymous")


def test_choices_are_idempotent_per_step(world: World) -> None:
    start(world)
    payments = PathStep("main", "2", ChoiceBy.DTMF)
    assert voice.record_choice(world.uow(), call_sid="CA1", step=0, choice=payments) == payments
    retry = PathStep("main", "0", ChoiceBy.SPEECH)
    assert voice.record_choice(world.uow(), call_sid="CA1", step=0, choice=retry) == payments
    with pytest.raises(ValidationError):
        voice.record_choice(world.uow(), call_sid="CA1", step=5, choice=payments)
    with pytest.raises(NotFound):
        voice.record_choice(world.uow(), call_sid="CA9", step=0, choice=payments)


def test_a_call_becomes_a_message_on_the_callers_case(world: World) -> None:
    customer_id = known_customer(world, "06-12345678", Language.NL)
    start(world)
    emergency = PathStep("main", "1", ChoiceBy.SPEECH)
    voice.record_choice(world.uow(), call_sid="CA1", step=0, choice=emergency)
    record = voice.get_call(world.uow(), "CA1")
    script = SCRIPTS[Language.NL]
    route = script.route_of(script.menus["main"].options[0])
    assert route is not None
    message = voice.call_message(record, script, route)
    assert message is not None
    assert (message.external_id, message.channel, message.priority) == (
        "CA1",
        Channel.PHONE,
        Priority.EMERGENCY,
    )
    assert "Fraude of pas kwijt" in message.body
    options = IntakeOptions(auto_assign=False)
    result = inbound.receive_message(
        world.uow, actor=voice.VOICE_ACTOR, inbound=message, now=T0, options=options
    )
    assert result.customer_id == customer_id  # matched by the number in E.164
    assert result.case_created  # emergency: a case of its own, not the open SMS question
    again = inbound.receive_message(
        world.uow, actor=voice.VOICE_ACTOR, inbound=message, now=T0 + S, options=options
    )
    assert again.duplicate and again.message_id == result.message_id
    queued = voice.mark_queued(
        world.uow(), call_sid="CA1", route=route, now=T0 + 5 * S, intake=result
    )
    assert (queued.status, queued.case_id, queued.queue) == (
        CallStatus.QUEUED,
        result.case_id,
        "emergency",
    )
    with world.read() as connection:
        case = connection.execute(select(cases).where(cases.c.id == result.case_id)).one()
        stored = connection.execute(select(messages).where(messages.c.external_id == "CA1")).one()
    assert case.priority == Priority.EMERGENCY and case.channel == "phone"
    assert stored.channel == "phone" and stored.case_id == result.case_id
    # the call-back request is a second message, on the same case
    callback = voice.call_message(queued, script, route, callback=True)
    assert callback is not None and callback.external_id == "CA1:callback"
    assert "+31612345678" in callback.body
    follow = inbound.receive_message(
        world.uow, actor=voice.VOICE_ACTOR, inbound=callback, now=T0 + 9 * S, options=options
    )
    assert follow.case_id == result.case_id and not follow.duplicate
    done = voice.mark_callback(world.uow(), call_sid="CA1", now=T0 + 9 * S)
    assert done.status is CallStatus.CALLBACK


def test_a_withheld_number_makes_no_message(world: World) -> None:
    start(world, caller="anonymous")
    record = voice.get_call(world.uow(), "CA1")
    script = SCRIPTS[Language.NL]
    route = script.route_of(script.menus["main"].options[-1])
    assert route is not None
    assert voice.call_message(record, script, route) is None


def test_figures_for_supervisors_only(world: World) -> None:
    world.add_agent("anna")
    route = SCRIPTS[Language.NL].route_of(SCRIPTS[Language.NL].menus["main"].options[-1])
    assert route is not None
    for sid in ("CA1", "CA2", "CA3"):
        start(world, sid)
        voice.mark_queued(world.uow(), call_sid=sid, route=route, now=T0 + 10 * S, intake=None)
    voice.mark_answered(world.uow(), call_sid="CA1", now=T0 + 70 * S)
    voice.mark_ended(world.uow(), call_sid="CA1", now=T0 + 370 * S)
    voice.mark_ended(world.uow(), call_sid="CA2", now=T0 + 40 * S)
    voice.mark_ended(world.uow(), call_sid="CA2", now=T0 + 99 * S)  # a repeat: no change
    supervisor = world.agent_actor("anna", Role.SUPERVISOR)
    stats = voice.call_statistics(
        world.uow(read_only=True), actor=supervisor, start=T0, end=T0 + timedelta(hours=1)
    )
    assert (stats.calls, stats.answered, stats.abandoned, stats.in_progress) == (3, 1, 1, 1)
    assert stats.abandonment_rate == 0.5
    assert stats.average_wait == 60 * S and stats.average_handle == 300 * S
    later = voice.call_statistics(
        world.uow(read_only=True), actor=supervisor, start=T0 + S, end=T0 + timedelta(hours=1)
    )
    assert later.calls == 0
    with pytest.raises(PermissionDenied):
        voice.call_statistics(
            world.uow(read_only=True), actor=world.agent_actor("anna"), start=T0, end=T0 + S
        )
    with pytest.raises(ValidationError, match="after its start"):
        voice.call_statistics(world.uow(read_only=True), actor=supervisor, start=T0, end=T0)


def test_the_most_urgent_waiting_call_is_taken_first(world: World) -> None:
    script = SCRIPTS[Language.NL]
    person = script.route_of(script.menus["main"].options[-1])
    fraud = script.route_of(script.menus["main"].options[0])
    assert person is not None and fraud is not None
    start(world, "CA1")
    start(world, "CA2")
    voice.mark_queued(world.uow(), call_sid="CA1", route=person, now=T0, intake=None)
    voice.mark_queued(world.uow(), call_sid="CA2", route=fraud, now=T0 + 60 * S, intake=None)
    assert voice.next_waiting_queue(world.uow(), queues=None) == "emergency"
    assert voice.next_waiting_queue(world.uow(), queues=frozenset({"general"})) == "general"
    voice.mark_answered(world.uow(), call_sid="CA2", now=T0 + 70 * S)
    voice.mark_answered(world.uow(), call_sid="CA1", now=T0 + 70 * S)
    assert voice.next_waiting_queue(world.uow(), queues=None) is None


def test_a_normal_call_joins_the_customers_open_case(world: World) -> None:
    known_customer(world, "0612345678", Language.NL)
    start(world)
    voice.record_choice(
        world.uow(), call_sid="CA1", step=0, choice=PathStep("main", "3", ChoiceBy.DTMF)
    )
    script = SCRIPTS[Language.NL]
    route = script.route_of(script.menus["main"].options[2])
    assert route is not None
    message = voice.call_message(voice.get_call(world.uow(), "CA1"), script, route)
    assert message is not None and not message.new_case
    result = inbound.receive_message(
        world.uow,
        actor=voice.VOICE_ACTOR,
        inbound=message,
        now=T0,
        options=IntakeOptions(auto_assign=False),
    )
    assert not result.case_created
    assert world.count(cases) == 1
