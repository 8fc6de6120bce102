"""Incident mode on a real database (SQLite and PostgreSQL): declare and end, the intake's
tagging, queue and auto-reply, its delivery through the SMS sender, and the report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import cast

import pytest
from sqlalchemy import select
from tests.services.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, running_fake_twilio
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.db.tables import audit_log, case_events, cases, messages, queues
from klantenservice.adapters.sms.twilio_sender import TwilioSmsSender
from klantenservice.domain.agents import Queue
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from klantenservice.domain.vocabulary import CaseId, Channel, Language, Priority, Role
from klantenservice.services import directory, inbound, incidents
from klantenservice.services import messages as message_service
from klantenservice.services.inbound import InboundMessage, IntakeOptions, IntakeResult
from klantenservice.services.incidents import Declaration
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory
from klantenservice.workers.messaging_outbound import ChannelSender
from klantenservice.workers.outbox_dispatcher import OutboxDispatcher

M = timedelta(minutes=1)
NL = "De app is tijdelijk niet bereikbaar."
EN = "The app is temporarily unavailable."
OPTIONS = IntakeOptions(emergency_number="+31 20 555 0100", sos_url="https://bank.example/sos")


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    directory.create_queue(
        built.uow(), actor=SYSTEM, queue=Queue(None, "emergency", calendar="office"), now=T0
    )
    built.add_agent("anna")
    built.add_agent("sam")
    yield built
    built.close()


def supervisor(world: World) -> object:
    return world.agent_actor("sam", Role.SUPERVISOR)


def declare(world: World, **fields: object) -> int:
    values: dict[str, object] = {"kind": "outage", "message_nl": NL, "message_en": EN}
    values.update(fields)
    found = incidents.declare_incident(
        world.uow(),
        actor=world.agent_actor("sam", Role.SUPERVISOR),
        declaration=Declaration(**values),  # type: ignore[arg-type]
        now=T0,
    )
    assert found.id is not None
    return found.id


def receive(
    world: World,
    body: str = "Ik kan niet inloggen in de app",
    *,
    channel: Channel = Channel.EMAIL,
    contact: str = "jan@example.nl",
    at_minute: int = 1,
    **fields: object,
) -> IntakeResult:
    kind = "email" if "@" in contact else "phone"
    message = InboundMessage(
        channel=channel,
        body=body,
        contact=ContactPoint.parse(kind, contact),
        customer_name="Jan",
        **fields,  # type: ignore[arg-type]
    )
    return inbound.receive_message(
        world.uow, actor=SYSTEM, inbound=message, now=T0 + at_minute * M, options=OPTIONS
    )


def case_row(world: World, case_id: CaseId) -> object:
    with world.read() as connection:
        return connection.execute(select(cases).where(cases.c.id == case_id)).one()


def system_messages(world: World, case_id: CaseId) -> list[tuple[str, str, str]]:
    with world.read() as connection:
        rows = connection.execute(
            select(messages.c.channel, messages.c.direction, messages.c.body)
            .where(messages.c.case_id == case_id, messages.c.author_kind == "system")
            .order_by(messages.c.id)
        )
        return [(r.channel, r.direction, r.body) for r in rows]


def queue_id(world: World, name: str) -> int | None:
    with world.read() as connection:
        return connection.execute(select(queues.c.id).where(queues.c.name == name)).scalar()


def test_declaring_needs_a_supervisor_and_is_audited_and_announced(world: World) -> None:
    with pytest.raises(PermissionDenied):
        incidents.declare_incident(
            world.uow(),
            actor=world.agent_actor("anna"),
            declaration=Declaration("outage", NL, EN),
            now=T0,
        )
    incident_id = declare(world, channels=("chat", "sms"), products=("app",))
    assert "incident.declared" in world.audit_actions()
    assert "incident.declared" in world.outbox_topics()
    (active,) = incidents.list_incidents(world.uow(), actor=SYSTEM, active_only=True)
    assert (active.id, active.queue, active.channels) == (
        incident_id,
        f"incident-{incident_id}",
        {Channel.CHAT, Channel.SMS},
    )
    # the queue was created, and the default queue's agents work it
    assert queue_id(world, f"incident-{incident_id}") is not None
    notices = incidents.notices(cast(UnitOfWorkFactory, world.uow), ["chat"])
    assert [(n.id, n.message("en")) for n in notices] == [(incident_id, EN)]
    assert incidents.notices(cast(UnitOfWorkFactory, world.uow), ["email"]) == []


def test_bad_declarations_store_nothing(world: World) -> None:
    with pytest.raises(ValidationError, match="unknown channel 'fax'"):
        declare(world, channels=("fax",))
    with pytest.raises(ValidationError, match="Dutch incident message is empty"):
        declare(world, message_nl=" ")
    assert incidents.list_incidents(world.uow(), actor=SYSTEM, active_only=False) == []
    assert "incident.declared" not in world.audit_actions()


def test_ending_twice_or_an_unknown_incident_is_refused(world: World) -> None:
    incident_id = declare(world)
    sam = world.agent_actor("sam", Role.SUPERVISOR)
    ended = incidents.end_incident(world.uow(), actor=sam, incident_id=incident_id, now=T0 + M)
    assert ended.ended_at == T0 + M and ended.ended_by == sam.label
    with pytest.raises(InvalidTransition, match="already ended"):
        incidents.end_incident(world.uow(), actor=sam, incident_id=incident_id, now=T0 + 2 * M)
    with pytest.raises(NotFound, match="no incident 999"):
        incidents.end_incident(world.uow(), actor=sam, incident_id=999, now=T0 + 2 * M)
    assert world.audit_actions().count("incident.ended") == 1
    assert incidents.list_incidents(world.uow(), actor=SYSTEM, active_only=True) == []


def test_a_new_case_is_tagged_queued_and_answered_once(world: World) -> None:
    incident_id = declare(world)
    first = receive(world)
    row = case_row(world, first.case_id)
    assert f"incident-{incident_id}" in row.tags  # type: ignore[attr-defined]
    assert row.queue_id == queue_id(world, f"incident-{incident_id}")  # type: ignore[attr-defined]
    # the default queue's agents joined the new queue: routing found one for the case
    assert first.assigned_agent_id in world.agents.values()
    (reply,) = system_messages(world, first.case_id)
    assert reply[:2] == ("email", "outbound")
    assert reply[2].startswith(NL) and "+31 20 555 0100" in reply[2]
    assert "https://bank.example/sos" in reply[2]
    assert world.outbox_topics().count("message.outbound") == 1
    # a follow-up on the same case: no second auto-reply
    again = receive(world, "Nog steeds niet", at_minute=2)
    assert again.case_id == first.case_id
    assert len(system_messages(world, first.case_id)) == 1
    assert world.outbox_topics().count("message.outbound") == 1


def test_the_auto_reply_is_not_a_human_response(world: World) -> None:
    declare(world)
    result = receive(world, language=Language.EN)
    with world.read() as connection:
        kinds = [
            r.kind
            for r in connection.execute(
                select(case_events.c.kind).where(case_events.c.case_id == result.case_id)
            )
        ]
    assert "agent_reply" not in kinds
    row = case_row(world, result.case_id)
    assert row.awaiting_reply_since is not None  # type: ignore[attr-defined]
    assert result.promise_due_at is not None  # the first-response clock still runs
    (reply,) = system_messages(world, result.case_id)
    assert reply[2].startswith(EN)  # the case's language


def test_unaffected_channels_and_channels_without_auto_reply(world: World) -> None:
    incident_id = declare(world, channels=("chat", "phone"))
    mail = receive(world)
    assert f"incident-{incident_id}" not in case_row(world, mail.case_id).tags  # type: ignore[attr-defined]
    call = receive(world, "Gebeld", channel=Channel.PHONE, contact="+31612345678")
    assert f"incident-{incident_id}" in case_row(world, call.case_id).tags  # type: ignore[attr-defined]
    assert system_messages(world, call.case_id) == []  # the IVR announced it instead


def test_an_emergency_stays_in_the_emergency_lane_but_is_tagged(world: World) -> None:
    incident_id = declare(world)
    result = receive(world, "Help", priority=Priority.EMERGENCY)
    row = case_row(world, result.case_id)
    assert f"incident-{incident_id}" in row.tags  # type: ignore[attr-defined]
    assert row.queue_id == queue_id(world, "emergency")  # type: ignore[attr-defined]
    # the emergency lane's acknowledgement answered it; no incident auto-reply on top
    assert not any(body.startswith(NL) for *_, body in system_messages(world, result.case_id))
    assert "incident.auto_reply" not in world.audit_actions()


def test_a_named_existing_queue_is_used(world: World) -> None:
    incident_id = declare(world, queue="emergency")
    assert queue_id(world, f"incident-{incident_id}") is None
    result = receive(world)
    assert case_row(world, result.case_id).queue_id == queue_id(world, "emergency")  # type: ignore[attr-defined]


def test_the_auto_reply_leaves_by_the_sms_sender(world: World) -> None:
    declare(world, channels=("sms",))
    result = receive(
        world, "Ik kan niet inloggen", channel=Channel.SMS, contact="+31612345678",
        external_id="SM" + "b" * 32,
    )  # fmt: skip
    clock = FixedClock(T0 + 2 * M)
    with running_fake_twilio() as twilio:
        sender = TwilioSmsSender(
            account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=FROM_NUMBER,
            api_base=twilio.url, public_base_url="https://bank.example",
        )  # fmt: skip
        handler = ChannelSender(Channel.SMS, cast(UnitOfWorkFactory, world.uow), sender, clock)
        OutboxDispatcher(world.uow, [handler], clock).run_once()
    assert [r["To"] for r in twilio.requests] == ["+31612345678"]
    assert twilio.requests[0]["Body"].startswith(NL)
    assert len(system_messages(world, result.case_id)) == 1


def test_the_report_counts_the_window(world: World) -> None:
    incident_id = declare(world)
    answered = receive(world, at_minute=1)
    receive(world, "Ook ik niet", contact="piet@example.nl", at_minute=2)
    emergency = receive(world, "Help", contact="kees@example.nl", priority=Priority.EMERGENCY)
    anna = world.agent_actor("anna")
    for case_id, minute in ((answered.case_id, 5), (emergency.case_id, 9)):
        message_service.reply_to_case(
            world.uow(), actor=anna, case_id=case_id, body="We kijken ernaar", now=T0 + minute * M
        )
    sam = world.agent_actor("sam", Role.SUPERVISOR)
    incidents.end_incident(world.uow(), actor=sam, incident_id=incident_id, now=T0 + 30 * M)
    receive(world, "Na afloop", contact="els@example.nl", at_minute=40)  # after: not counted
    with pytest.raises(PermissionDenied):
        incidents.incident_report(world.uow(), actor=anna, incident_id=incident_id, now=T0 + 60 * M)
    _incident, report = incidents.incident_report(
        world.uow(), actor=sam, incident_id=incident_id, now=T0 + 60 * M
    )
    assert report.contacts_by_channel == {Channel.EMAIL: 3}
    assert report.tagged_cases == 3
    assert (report.waits.answered, report.waits.unanswered) == (2, 1)
    assert report.waits.max == 8 * M  # the emergency: at minute 1, answered at 9
    assert [(e.case_id, e.time_to_human) for e in report.emergencies] == [
        (emergency.case_id, 8 * M)
    ]
    assert report.emergency_share_within_target == 1.0
    assert report.breaches == 0
    with world.read() as connection:
        actions = [r.action for r in connection.execute(select(audit_log.c.action))]
    assert actions.count("incident.auto_reply") == 2  # not to the emergency
