"""The supervisor's board and reassignment, on SQLite and PostgreSQL, with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.db.tables import audit_log, cases
from klantenservice.domain.capacity import Exclusivity
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Presence, QueueId, Role
from klantenservice.services import cases as case_service
from klantenservice.services import supervision
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import Actor
from klantenservice.services.reassignment import Reassignment, reassign_case
from klantenservice.services.supervision import Board
from klantenservice.workers.promise_sweeper import PromiseSweeper

MANUAL = IntakeOptions(auto_assign=False)
SUPERVISOR = Actor(kind="user", id=900, roles=frozenset({Role.SUPERVISOR}), name="Sanne")
RULES = Exclusivity()


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    built.add_agent("Anna")
    built.add_agent("Bob", presence=Presence.AWAY)
    built.add_agent("Cor", languages=("nl",), capacity={Channel.PHONE: 1, Channel.EMAIL: 5})
    yield built
    built.close()


def contact(world: World, n: int, after: timedelta, channel: Channel = Channel.EMAIL) -> CaseId:
    return world.receive(
        f"Vraag {n}",
        channel=channel,
        email=f"klant{n}@example.nl",
        at=T0 + after,
        options=MANUAL,
        external_id=f"m-{n}",
    ).case_id


def assign(world: World, case_id: CaseId, agent: str, at: timedelta) -> None:
    case_service.assign_case(
        world.uow(), actor=SUPERVISOR, case_id=case_id, agent_id=world.agents[agent], now=T0 + at
    )


def board(world: World, at: timedelta) -> Board:
    return supervision.supervisor_board(
        world.uow(read_only=True), actor=SUPERVISOR, now=T0 + at, rules=RULES
    )


def sweep(world: World, at: timedelta) -> None:
    PromiseSweeper(world.uow, FixedClock(T0 + at)).run_once()


def busy_centre(world: World) -> dict[str, CaseId]:
    """Two cases waiting (since 10:00 and 10:30), one e-mail with Anna, a call with Cor."""
    ids = {
        "jan": contact(world, 1, timedelta(0)),
        "chat": contact(world, 2, timedelta(minutes=30), Channel.CHAT),
        "anna": contact(world, 3, timedelta(minutes=45)),
        "call": contact(world, 4, timedelta(minutes=50), Channel.PHONE),
    }
    assign(world, ids["anna"], "Anna", timedelta(minutes=46))
    assign(world, ids["call"], "Cor", timedelta(minutes=51))
    return ids


def test_a_queue_shows_its_waiting_cases_and_the_longest_wait(world: World) -> None:
    busy_centre(world)
    (general,) = board(world, timedelta(hours=1)).queues
    assert general.queue.name == "general"
    assert general.load.waiting == 2  # the two unassigned; Anna's and Cor's are taken
    assert general.longest_wait == timedelta(hours=1)  # Jan's, since 10:00
    assert (general.load.at_risk, general.load.breached) == (0, 0)


def test_promises_at_risk_and_breached_are_counted_per_queue(world: World) -> None:
    busy_centre(world)
    sweep(world, timedelta(hours=3, minutes=30))  # Jan: 3.5 of 4 hours, past the 80 % warning
    (general,) = board(world, timedelta(hours=3, minutes=30)).queues
    assert (general.load.at_risk, general.load.breached) == (1, 0)
    sweep(world, timedelta(hours=4, minutes=10))
    (general,) = board(world, timedelta(hours=4, minutes=10)).queues
    # Jan breached at 14:00; the chat (3h40 of 4h), Anna's e-mail (3h25) and Cor's call (3h20)
    # are past 80 %: at risk, assigned or not
    assert (general.load.at_risk, general.load.breached) == (3, 1)


def test_agents_with_room_are_counted_per_language_and_skill(world: World) -> None:
    busy_centre(world)
    (general,) = board(world, timedelta(hours=1)).queues
    # Anna is available with free chat and e-mail slots; Bob is away; Cor is on a call, which
    # occupies an agent completely (routing's rule), so he has no room although available.
    assert general.seats.available == 1
    assert dict(general.seats.by_language) == {"en": 1, "nl": 1}
    rows = {row.agent.name: row for row in board(world, timedelta(hours=1)).agents}
    assert (rows["Anna"].has_room, rows["Bob"].has_room, rows["Cor"].has_room) == (
        True,
        False,
        False,
    )


def test_each_agent_shows_load_per_channel_against_capacity_and_open_cases(
    world: World,
) -> None:
    ids = busy_centre(world)
    rows = {row.agent.name: row for row in board(world, timedelta(hours=1)).agents}
    assert dict(rows["Anna"].load) == {Channel.EMAIL: 1}
    assert rows["Anna"].channels == [(Channel.CHAT, 0, 3), (Channel.EMAIL, 1, 5)]
    assert rows["Cor"].channels == [(Channel.EMAIL, 0, 5), (Channel.PHONE, 1, 1)]
    assert (rows["Anna"].open_cases, rows["Bob"].open_cases) == (1, 0)
    # waiting on the customer: still Anna's open case, but no longer against her capacity
    case_service.change_status(
        world.uow(),
        actor=SUPERVISOR,
        case_id=ids["anna"],
        status=CaseStatus.PENDING_CUSTOMER,
        now=T0 + timedelta(minutes=55),
    )
    anna = next(r for r in board(world, timedelta(hours=1)).agents if r.agent.name == "Anna")
    assert (dict(anna.load), anna.open_cases) == ({}, 1)


def test_the_watch_list_puts_breached_promises_first_then_the_longest_waiting(
    world: World,
) -> None:
    ids = busy_centre(world)
    sweep(world, timedelta(hours=4, minutes=10))
    watch = board(world, timedelta(hours=4, minutes=10)).watch
    assert [w.case.id for w in watch][:3] == [ids["jan"], ids["chat"], ids["anna"]]
    assert [w.promise_state for w in watch][:3] == ["breached", "warning", "warning"]
    jan = watch[0]
    assert jan.waited == timedelta(hours=4, minutes=10)
    assert (jan.queue_name, jan.assignee_name) == ("general", None)
    assert watch[2].assignee_name == "Anna"
    assert watch[2].waited is None  # assigned: not waiting any more


def test_the_board_costs_the_same_queries_with_more_cases_and_agents(world: World) -> None:
    busy_centre(world)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(world.engine, "before_cursor_execute", count)
    try:
        board(world, timedelta(hours=1))
        few = len(statements)
        event.remove(world.engine, "before_cursor_execute", count)
        for n in range(5, 25):
            contact(world, n, timedelta(minutes=n))
        world.add_agent("Dirk")
        world.add_agent("Eva")
        statements.clear()
        event.listen(world.engine, "before_cursor_execute", count)
        board(world, timedelta(hours=1))
        assert len(statements) == few
    finally:
        if event.contains(world.engine, "before_cursor_execute", count):
            event.remove(world.engine, "before_cursor_execute", count)


def test_only_supervisors_and_administrators_see_the_board(world: World) -> None:
    agent = world.agent_actor("Anna")
    with pytest.raises(PermissionDenied, match="may not watch queues and agents"):
        supervision.supervisor_board(world.uow(read_only=True), actor=agent, now=T0, rules=RULES)
    admin = Actor(kind="user", id=901, roles=frozenset({Role.ADMIN}))
    assert supervision.supervisor_board(world.uow(read_only=True), actor=admin, now=T0, rules=RULES)


def test_a_supervisor_sets_an_agents_presence_and_an_agent_may_not_from_the_board(
    world: World,
) -> None:
    bob = world.agents["Bob"]
    supervision.set_agent_presence(
        world.uow(), actor=SUPERVISOR, agent_id=bob, presence=Presence.AVAILABLE, now=T0
    )
    assert next(r for r in board(world, timedelta(0)).agents if r.agent.id == bob).has_room
    with pytest.raises(PermissionDenied):
        supervision.set_agent_presence(
            world.uow(),
            actor=world.agent_actor("Anna"),
            agent_id=bob,
            presence=Presence.OFFLINE,
            now=T0,
        )
    assert "agent.presence_changed" in world.outbox_topics()


def reassigned(world: World) -> list[dict[str, object]]:
    with world.read() as connection:
        rows = connection.execute(
            select(audit_log.c.details).where(audit_log.c.action == "case.reassigned")
        )
        return [dict(r.details) for r in rows]


def stored(world: World, case_id: CaseId) -> tuple[int | None, int | None, str]:
    with world.read() as connection:
        row = connection.execute(
            select(cases.c.assignee_id, cases.c.queue_id, cases.c.status).where(
                cases.c.id == case_id
            )
        ).one()
        return row.assignee_id, row.queue_id, row.status


def test_reassigning_to_an_agent_assigns_and_records_the_reason(world: World) -> None:
    ids = busy_centre(world)
    change = Reassignment(reason="  Anna is going home early  ", agent_id=world.agents["Bob"])
    moved = reassign_case(
        world.uow(),
        actor=SUPERVISOR,
        case_id=ids["anna"],
        change=change,
        now=T0 + timedelta(hours=1),
    )
    assert moved.assignee_id == world.agents["Bob"]
    assert stored(world, ids["anna"])[0] == world.agents["Bob"]
    assert reassigned(world) == [
        {
            "reason": "Anna is going home early",
            "from_agent_id": world.agents["Anna"],
            "agent_id": world.agents["Bob"],
            "from_queue_id": world.queue_id,
            "queue_id": world.queue_id,
        }
    ]
    assert world.outbox_topics()[-1] == "case.assigned"


def test_reassigning_to_a_queue_releases_the_case_to_wait_there(world: World) -> None:
    from klantenservice.domain.agents import Queue  # noqa: PLC0415
    from klantenservice.services import directory  # noqa: PLC0415
    from klantenservice.services.ports import SYSTEM  # noqa: PLC0415

    ids = busy_centre(world)
    cards = directory.create_queue(world.uow(), actor=SYSTEM, queue=Queue(None, "cards"), now=T0)
    assert cards.id is not None
    now = T0 + timedelta(hours=1)
    change = Reassignment(reason="Pas-vraag", queue_id=cards.id)
    moved = reassign_case(
        world.uow(), actor=SUPERVISOR, case_id=ids["anna"], change=change, now=now
    )
    assert (moved.assignee_id, moved.queue_id, moved.waiting_since) == (None, cards.id, now)
    loads = {row.queue.name: row.load for row in board(world, timedelta(hours=1)).queues}
    assert (loads["cards"].waiting, loads["general"].waiting) == (1, 2)
    assert reassigned(world)[0]["queue_id"] == cards.id
    assert "case.transferred" in world.outbox_topics()


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda w: Reassignment(reason="x", agent_id=AgentId(99999)), NotFound),
        (lambda w: Reassignment(reason="x", queue_id=QueueId(99999)), NotFound),
        (lambda w: Reassignment(reason="x", agent_id=w.agents["Anna"]), Conflict),  # hers already
    ],
    ids=["unknown agent", "unknown queue", "same agent"],
)
def test_a_reassignment_that_cannot_be_done_changes_nothing(
    world: World, make: Callable[[World], Reassignment], error: type[Exception]
) -> None:
    ids = busy_centre(world)
    before = stored(world, ids["anna"]), world.audit_actions()
    with pytest.raises(error):
        reassign_case(
            world.uow(),
            actor=SUPERVISOR,
            case_id=ids["anna"],
            change=make(world),
            now=T0 + timedelta(hours=1),
        )
    assert (stored(world, ids["anna"]), world.audit_actions()) == before


def test_an_unknown_case_is_not_found_and_an_agent_may_not_reassign(world: World) -> None:
    ids = busy_centre(world)
    change = Reassignment(reason="x", agent_id=world.agents["Bob"])
    with pytest.raises(NotFound):
        reassign_case(world.uow(), actor=SUPERVISOR, case_id=CaseId(99999), change=change, now=T0)
    with pytest.raises(PermissionDenied, match="assign cases to someone else"):
        reassign_case(
            world.uow(), actor=world.agent_actor("Anna"), case_id=ids["jan"], change=change, now=T0
        )
    assert reassigned(world) == []


def test_capacity_is_respected_unless_the_supervisor_goes_beyond_it(world: World) -> None:
    ids = busy_centre(world)
    dirk = world.add_agent("Dirk", capacity={Channel.EMAIL: 1})
    assign(world, contact(world, 9, timedelta(minutes=52)), "Dirk", timedelta(minutes=53))
    now = T0 + timedelta(hours=1)
    full = Reassignment(reason="Dirk kent de klant", agent_id=dirk)
    with pytest.raises(Conflict, match="no free email capacity"):
        reassign_case(world.uow(), actor=SUPERVISOR, case_id=ids["jan"], change=full, now=now)
    beyond = Reassignment(reason="Dirk kent de klant", agent_id=dirk, beyond_capacity=True)
    reassign_case(world.uow(), actor=SUPERVISOR, case_id=ids["jan"], change=beyond, now=now)
    assert stored(world, ids["jan"])[0] == dirk


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": "   ", "agent_id": AgentId(1)}, "say why"),
        ({"reason": "x" * 501, "agent_id": AgentId(1)}, "say why"),
        ({"reason": "ok\x00", "agent_id": AgentId(1)}, "control characters"),
        ({"reason": "ok"}, "exactly one"),
        ({"reason": "ok", "agent_id": AgentId(1), "queue_id": QueueId(1)}, "exactly one"),
    ],
)
def test_a_reassignment_needs_a_reason_and_exactly_one_target(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Reassignment(**fields)  # type: ignore[arg-type]
