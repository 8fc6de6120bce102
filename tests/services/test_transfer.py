"""Transfers and who may work on a case: one commit with note and audit, or nothing at all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.tables import audit_log, case_events, cases, messages, outbox
from klantenservice.domain.agents import Queue
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Priority, QueueId, Role
from klantenservice.services import cases as case_service
from klantenservice.services import directory
from klantenservice.services import messages as message_service
from klantenservice.services.ports import SYSTEM
from klantenservice.services.transfer import Transfer, transfer_case


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("Anna")  # takes every case the tests receive
    built.add_agent("Bob", capacity={Channel.EMAIL: 1})
    yield built
    built.close()


def other_queue(world: World) -> QueueId:
    queue = directory.create_queue(world.uow(), actor=SYSTEM, queue=Queue(None, "beleggen"), now=T0)
    assert queue.id is not None
    return queue.id


def snapshot(world: World, case_id: CaseId) -> dict[str, Any]:
    with world.read() as connection:
        row = connection.execute(select(cases).where(cases.c.id == case_id)).one()
    return {
        "case": tuple(row),
        "events": world.count(case_events),
        "messages": world.count(messages),
        "audit": world.count(audit_log),
        "outbox": world.count(outbox),
    }


def test_a_transfer_to_a_queue_releases_the_case_with_its_note_in_one_commit(world: World) -> None:
    queue = other_queue(world)
    case_id = world.receive().case_id
    anna = world.agent_actor("Anna")
    before = snapshot(world, case_id)

    moved = transfer_case(
        world.uow(),
        actor=anna,
        case_id=case_id,
        transfer=Transfer(queue_id=queue, note="Beleggingsvraag, klant wil terugbellen"),
        now=T0,
    )

    assert (moved.queue_id, moved.assignee_id, moved.waiting_since) == (queue, None, T0)
    after = snapshot(world, case_id)
    assert after["messages"] == before["messages"] + 1
    with world.read() as connection:
        note = connection.execute(select(messages).order_by(messages.c.id.desc())).first()
    assert note is not None
    assert (note.direction, note.channel, note.body) == (
        "internal",
        "internal_note",
        "Beleggingsvraag, klant wil terugbellen",
    )
    assert world.audit_actions()[-2:] == ["case.transferred", "note.added"]
    assert world.outbox_topics()[-2:] == ["case.transferred", "note.added"]


def test_a_supervisor_transfers_to_an_agent_and_the_capacity_is_checked(world: World) -> None:
    case_id = world.receive().case_id
    supervisor = world.agent_actor("Anna", Role.SUPERVISOR)
    bob = world.agents["Bob"]
    moved = transfer_case(
        world.uow(), actor=supervisor, case_id=case_id, transfer=Transfer(agent_id=bob), now=T0
    )
    assert moved.assignee_id == bob
    assert world.audit_actions()[-2:] == ["case.transferred", "case.assigned"]

    second = world.receive(email="piet@example.nl").case_id  # Bob's one e-mail slot is taken
    before = snapshot(world, second)
    with pytest.raises(Conflict, match="no free email capacity"):
        transfer_case(
            world.uow(),
            actor=supervisor,
            case_id=second,
            transfer=Transfer(agent_id=bob, note="voor Bob"),
            now=T0,
        )
    assert snapshot(world, second) == before  # not even the note


@pytest.mark.parametrize(
    ("transfer", "error", "message"),
    [
        (Transfer(), ValidationError, "nothing to transfer"),
        (Transfer(queue_id=QueueId(99)), NotFound, "no queue with id 99"),
        (Transfer(agent_id=AgentId(2)), PermissionDenied, "assign cases to someone else"),
        (Transfer(note="x" * 1_000_001), ValidationError, "limit is 1000000 bytes"),
    ],
)
def test_a_refused_transfer_changes_nothing(
    world: World, transfer: Transfer, error: type[Exception], message: str
) -> None:
    case_id = world.receive().case_id
    anna = world.agent_actor("Anna")
    if transfer == Transfer():  # unassigned in its own queue: there is nothing to hand over
        case_service.unassign_case(world.uow(), actor=anna, case_id=case_id, now=T0)
    before = snapshot(world, case_id)
    with pytest.raises(error, match=message):
        transfer_case(world.uow(), actor=anna, case_id=case_id, transfer=transfer, now=T0)
    assert snapshot(world, case_id) == before


def test_an_agent_may_not_work_on_another_agents_case_but_a_supervisor_may(world: World) -> None:
    case_id = world.receive().case_id  # Anna's
    bob = world.agent_actor("Bob")
    before = snapshot(world, case_id)
    attempts = (
        lambda: message_service.reply_to_case(
            world.uow(), actor=bob, case_id=case_id, body="Hallo", now=T0
        ),
        lambda: case_service.change_status(
            world.uow(), actor=bob, case_id=case_id, status=CaseStatus.OPEN, now=T0
        ),
        lambda: case_service.change_priority(
            world.uow(), actor=bob, case_id=case_id, priority=Priority.HIGH, now=T0
        ),
        lambda: transfer_case(
            world.uow(), actor=bob, case_id=case_id, transfer=Transfer(note="mag niet"), now=T0
        ),
    )
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="assigned to another agent"):
            attempt()
    assert snapshot(world, case_id) == before

    supervisor = world.agent_actor("Bob", Role.SUPERVISOR)
    message_service.add_note(world.uow(), actor=supervisor, case_id=case_id, body="Ok", now=T0)
    assert world.audit_actions()[-1] == "note.added"


def test_a_colleague_may_add_a_note_to_another_agents_case_and_nothing_else_moves(
    world: World,
) -> None:
    case_id = world.receive().case_id  # Anna's
    with world.read() as connection:
        before = connection.execute(
            select(cases.c.assignee_id, cases.c.status).where(cases.c.id == case_id)
        ).one()
    note = message_service.add_note(
        world.uow(), actor=world.agent_actor("Bob"), case_id=case_id, body="Belde net", now=T0
    )
    assert note.case_id == case_id and note.channel is Channel.INTERNAL_NOTE
    with world.read() as connection:
        after = connection.execute(
            select(cases.c.assignee_id, cases.c.status).where(cases.c.id == case_id)
        ).one()
    assert after == before and before.assignee_id is not None
    assert world.audit_actions()[-1] == "note.added"


def test_anyone_with_the_permission_works_on_an_unassigned_case(world: World) -> None:
    case_id = world.receive().case_id
    anna = world.agent_actor("Anna")
    case_service.unassign_case(world.uow(), actor=anna, case_id=case_id, now=T0)
    message_service.reply_to_case(
        world.uow(), actor=world.agent_actor("Bob"), case_id=case_id, body="Wij kijken", now=T0
    )
    assert world.audit_actions()[-1] == "message.sent"
