"""Assignment: routing within capacity, explained; manual assignment and "next case"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from tests.services.world import T0, World, build_world, wait_until_blocked

from klantenservice.adapters.db.repositories.agents import SqlAgents
from klantenservice.adapters.db.tables import audit_log, cases, messages, outbox
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import Conflict, InvalidTransition, PermissionDenied
from klantenservice.domain.routing import RoutingPolicy
from klantenservice.domain.vocabulary import CaseId, Channel, Priority, Role
from klantenservice.services import cases as case_service
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import SYSTEM

MANUAL = IntakeOptions(auto_assign=False)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def chat(world: World, n: int, *, at: timedelta = timedelta(0), **fields: Any) -> list[CaseId]:
    """``n`` chats from ``n`` different customers; returns their case ids."""
    return [
        world.receive(
            f"Vraag {i}",
            channel=Channel.CHAT,
            external_id=f"chat-{at}-{i}",
            email=f"klant{i}@example.nl",
            at=T0 + at,
            **fields,
        ).case_id
        for i in range(n)
    ]


def load(world: World) -> dict[int, int]:
    with world.read() as connection:
        rows = connection.execute(
            select(cases.c.assignee_id).where(cases.c.assignee_id.is_not(None))
        ).all()
    counts: dict[int, int] = {}
    for row in rows:
        counts[row.assignee_id] = counts.get(row.assignee_id, 0) + 1
    return counts


# -- routing on intake -------------------------------------------------------------------------


def test_a_new_chat_is_routed_to_an_available_agent_with_the_reasons_recorded(
    world: World,
) -> None:
    anna = world.add_agent("Anna", capacity={Channel.CHAT: 3})

    result = world.receive(channel=Channel.CHAT, external_id="c-1")

    assert result.assigned_agent_id == anna
    assert "speaks nl" in result.routing
    assert result.routing[-1] == "load 0/3 on chat; the only eligible agent"
    with world.read() as connection:
        record = connection.execute(
            select(audit_log).where(audit_log.c.action == "case.assigned")
        ).one()
        status = connection.execute(select(cases.c.status)).scalar_one()
    assert record.details["agent_id"] == anna
    assert record.details["why"] == list(result.routing)
    assert status == CaseStatus.OPEN
    assert world.count(outbox, outbox.c.topic == "case.assigned") == 1


def test_routing_never_gives_an_agent_more_chats_than_their_capacity(world: World) -> None:
    anna = world.add_agent("Anna", capacity={Channel.CHAT: 2})

    chat(world, 3)

    assert load(world) == {anna: 2}
    with world.read() as connection:
        waiting = connection.execute(select(cases.c.id).where(cases.c.assignee_id.is_(None))).all()
    assert len(waiting) == 1


def test_an_unrouted_case_says_why_nobody_could_take_it(world: World) -> None:
    world.add_agent("Anna", capacity={Channel.CHAT: 1})
    chat(world, 1)
    result = world.receive(
        "Nog een", channel=Channel.CHAT, external_id="c-x", email="piet@example.nl"
    )
    assert result.assigned_agent_id is None
    assert result.routing == (
        "no available agent in queue 1 who speaks nl has room on chat: 1 at capacity on chat",
    )


def test_routing_spreads_work_to_the_agent_with_the_lowest_load(world: World) -> None:
    anna = world.add_agent("Anna", capacity={Channel.CHAT: 3})
    bram = world.add_agent("Bram", capacity={Channel.CHAT: 3})

    chat(world, 4)

    assert load(world) == {anna: 2, bram: 2}


def test_a_required_skill_nobody_holds_leaves_the_case_waiting_with_the_reason(
    world: World,
) -> None:
    world.add_agent("Anna")
    result = world.receive(
        channel=Channel.CHAT, external_id="c-1", required_skills=frozenset({"fraud"})
    )
    assert result.assigned_agent_id is None
    assert "with skill fraud" in result.routing[0]


def test_a_message_is_stored_even_when_its_routing_loses_a_race_for_the_last_slot(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    anna = world.add_agent("Anna", capacity={Channel.CHAT: 1})
    chat(world, 1)  # fills Anna's only chat slot
    stale = SqlAgents.snapshots

    def snapshots_from_before(self: SqlAgents, *, queue_id: Any = None) -> Any:
        return [replace(s, load={}) for s in stale(self, queue_id=queue_id)]  # "Anna is free"

    monkeypatch.setattr(SqlAgents, "snapshots", snapshots_from_before)
    result = world.receive(
        "Nog een", channel=Channel.CHAT, external_id="late", email="x@example.nl"
    )

    assert result.assigned_agent_id is None
    assert result.routing == ("routing lost a race: agent Anna has no free chat capacity (1/1)",)
    assert world.count(messages) == 2
    assert load(world) == {anna: 1}


# -- assigning by hand -------------------------------------------------------------------------


def test_an_agent_takes_a_case_and_it_counts_against_their_capacity(world: World) -> None:
    anna_id = world.add_agent("Anna", capacity={Channel.CHAT: 1})
    first, second = chat(world, 2, options=MANUAL)
    anna = world.agent_actor("Anna")

    case_service.assign_case(world.uow(), actor=anna, case_id=first, agent_id=anna_id, now=T0)

    with pytest.raises(Conflict, match=r"no free chat capacity \(1/1\)"):
        case_service.assign_case(world.uow(), actor=anna, case_id=second, agent_id=anna_id, now=T0)
    assert load(world) == {anna_id: 1}


def test_a_supervisor_may_assign_beyond_capacity_and_an_agent_may_not(world: World) -> None:
    anna = world.add_agent("Anna", capacity={Channel.CHAT: 1})
    world.add_agent("Sara", capacity={Channel.CHAT: 1})
    first, second = chat(world, 2, options=MANUAL)
    supervisor = world.agent_actor("Sara", Role.SUPERVISOR)
    case_service.assign_case(world.uow(), actor=supervisor, case_id=first, agent_id=anna, now=T0)

    with pytest.raises(PermissionDenied):
        case_service.assign_case(
            world.uow(),
            actor=world.agent_actor("Anna"),
            case_id=second,
            agent_id=anna,
            now=T0,
            override_capacity=True,
        )
    case_service.assign_case(
        world.uow(),
        actor=supervisor,
        case_id=second,
        agent_id=anna,
        now=T0,
        override_capacity=True,
    )
    assert load(world) == {anna: 2}


def test_an_agent_may_not_assign_a_case_to_someone_else(world: World) -> None:
    world.add_agent("Anna")
    bram = world.add_agent("Bram")
    [case_id] = chat(world, 1, options=MANUAL)
    with pytest.raises(PermissionDenied, match="may not assign cases to someone else"):
        case_service.assign_case(
            world.uow(), actor=world.agent_actor("Anna"), case_id=case_id, agent_id=bram, now=T0
        )
    assert load(world) == {}


def test_unassigning_returns_the_case_to_the_queue_and_frees_the_slot(world: World) -> None:
    anna = world.add_agent("Anna", capacity={Channel.CHAT: 1})
    first, second = chat(world, 2)
    assert load(world) == {anna: 1}

    case_service.unassign_case(
        world.uow(), actor=world.agent_actor("Anna"), case_id=first, now=T0 + timedelta(minutes=5)
    )
    case_service.assign_case(
        world.uow(), actor=world.agent_actor("Anna"), case_id=second, agent_id=anna, now=T0
    )

    with world.read() as connection:
        row = connection.execute(select(cases).where(cases.c.id == first)).one()
    assert row.assignee_id is None
    assert row.waiting_since == T0 + timedelta(minutes=5)
    assert load(world) == {anna: 1}


def test_a_closed_case_cannot_be_assigned(world: World) -> None:
    anna = world.add_agent("Anna")
    [case_id] = chat(world, 1, options=MANUAL)
    for status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        case_service.change_status(
            world.uow(), actor=SYSTEM, case_id=case_id, status=status, now=T0
        )
    with pytest.raises(InvalidTransition):
        case_service.assign_case(
            world.uow(), actor=world.agent_actor("Anna"), case_id=case_id, agent_id=anna, now=T0
        )


# -- next case ---------------------------------------------------------------------------------


def test_next_case_gives_the_most_urgent_waiting_case_and_says_why(world: World) -> None:
    world.add_agent("Anna")
    normal = chat(world, 1, options=MANUAL)[0]
    urgent = world.receive(
        "Fraude!",
        channel=Channel.CHAT,
        external_id="c-urgent",
        email="urgent@example.nl",
        at=T0 + timedelta(minutes=1),
        priority=Priority.URGENT,
        options=MANUAL,
    ).case_id

    taken = case_service.take_next_case(
        world.uow(),
        actor=world.agent_actor("Anna"),
        now=T0 + timedelta(minutes=2),
        policy=RoutingPolicy(),
    )

    assert taken is not None
    case, reasons = taken
    assert case.id == urgent != normal
    assert reasons[0] == "first of 2 cases this agent can take: priority urgent, waiting 1m"


def test_next_case_is_none_when_the_agent_is_full_or_nothing_waits(world: World) -> None:
    world.add_agent("Anna", capacity={Channel.CHAT: 1})
    anna = world.agent_actor("Anna")
    policy = RoutingPolicy()
    assert case_service.take_next_case(world.uow(), actor=anna, now=T0, policy=policy) is None
    chat(world, 2, options=MANUAL)
    assert case_service.take_next_case(world.uow(), actor=anna, now=T0, policy=policy)
    assert case_service.take_next_case(world.uow(), actor=anna, now=T0, policy=policy) is None


# -- PostgreSQL: lock order ---------------------------------------------------------------------


def test_next_case_locks_the_case_before_the_agent_like_every_assignment(
    postgres_url_factory: Any,
) -> None:
    """An assignment holding case X and wanting agent A must not deadlock with A's "next"."""
    url = postgres_url_factory()
    world = build_world(url)
    try:
        anna = world.add_agent("Anna")
        [case_id] = chat(world, 1, options=MANUAL)
        outcome: dict[str, Any] = {}

        def press_next() -> None:
            try:
                outcome["taken"] = case_service.take_next_case(
                    world.uow(), actor=world.agent_actor("Anna"), now=T0, policy=RoutingPolicy()
                )
            except Exception as error:
                outcome["error"] = error

        with world.engine.connect() as assignment:  # an assign_case of X under way
            assignment.execute(
                text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case_id}
            )
            agent_next = threading.Thread(target=press_next)
            agent_next.start()
            wait_until_blocked(world.engine)  # "next" chose X and waits for it
            assignment.execute(text("SET LOCAL lock_timeout = '3s'"))
            assignment.execute(
                text("SELECT id FROM agents WHERE id = :id FOR UPDATE"), {"id": anna}
            )
            assignment.rollback()
        agent_next.join(timeout=10)

        assert "error" not in outcome, outcome.get("error")
        taken = outcome["taken"]
        assert taken is not None and taken[0].id == case_id
    finally:
        world.close()
        postgres_url_factory.release(url)
