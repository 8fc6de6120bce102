"""Several real processes against one PostgreSQL database: locks, capacity, idempotency, chain.

Threads in one process would share a connection pool and the GIL and hide races; these tests
start separate processes (``spawn``), release them together at a barrier, and then judge only
what the database says. Conflicts and refusals are expected outcomes of a race: the workers
count them. What must never happen: a case assigned by two winners at once, an agent above
capacity, a hole or fork in the audit chain, a message stored twice.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.services.concurrency_worker import AssignJob, IntakeJob, run_assignments, run_intake
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.tables import (
    agents,
    audit_log,
    case_events,
    cases,
    messages,
    outbox,
)
from klantenservice.domain.cases import ACTIVE_STATUSES
from klantenservice.domain.customers import Customer
from klantenservice.domain.vocabulary import Channel
from klantenservice.services.audit import verify_audit_chain
from klantenservice.services.customers import register_customer
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import SYSTEM

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

PROCESSES = 6
ATTEMPTS = 30
WAITING_CASES = 200
AGENTS = 10


@pytest.fixture
def world(postgres_url_factory: Any) -> Iterator[World]:
    url = postgres_url_factory()
    built = build_world(url)
    yield built
    built.close()
    postgres_url_factory.release(url)


def run_in_processes(target: Any, jobs: list[Any]) -> list[Any]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(jobs)) as pool:
        return pool.map(target, jobs)


def assignment_history(world: World) -> dict[int, list[tuple[str, int]]]:
    with world.read() as connection:
        rows = connection.execute(
            select(case_events.c.case_id, case_events.c.kind, case_events.c.data)
            .where(case_events.c.kind.in_(["assigned", "unassigned"]))
            .order_by(case_events.c.id)
        )
        history: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for row in rows:
            history[row.case_id].append((row.kind, row.data["agent_id"]))
        return history


def test_concurrent_assignment_never_assigns_a_case_twice_nor_overfills_an_agent(
    world: World,
) -> None:
    agent_ids = [
        world.add_agent(f"Agent {i}", capacity={Channel.CHAT: 3, Channel.EMAIL: 5})
        for i in range(AGENTS)
    ]
    manual = IntakeOptions(auto_assign=False)
    case_ids = [
        world.receive(
            f"Vraag {i}",
            channel=Channel.CHAT,
            external_id=f"seed-{i}",
            email=f"seed{i}@example.nl",
            options=manual,
        ).case_id
        for i in range(WAITING_CASES)
    ]
    barrier = multiprocessing.get_context("spawn").Manager().Barrier(PROCESSES)
    jobs = [
        AssignJob(world.url, w, ATTEMPTS, tuple(agent_ids), tuple(case_ids), barrier)
        for w in range(PROCESSES)
    ]

    outcomes = sum(run_in_processes(run_assignments, jobs), Counter[str]())

    errors = {k: n for k, n in outcomes.items() if ":error:" in k}
    assert not errors, errors
    assigned_ok = sum(n for k, n in outcomes.items() if k.endswith((":assigned", ":routed")))
    assert assigned_ok > 0
    assert outcomes["next:assigned"] > 0 and outcomes["intake:routed"] > 0
    assert outcomes["intake:Conflict"] == 0  # a lost routing race leaves the case waiting

    # No case has two winners: in each case's history ASSIGNED and UNASSIGNED alternate.
    history = assignment_history(world)
    with world.read() as connection:
        final = dict(connection.execute(select(cases.c.id, cases.c.assignee_id)).all())
    for case_id, events in history.items():
        holder = None
        for kind, agent_id in events:
            if kind == "assigned":
                assert holder is None, f"case {case_id} assigned twice: {events}"
                holder = agent_id
            else:
                assert holder == agent_id, f"case {case_id} unassigned wrongly: {events}"
                holder = None
        assert final[case_id] == holder

    # Every agent's active load per channel is within capacity.
    active = sorted(s.value for s in ACTIVE_STATUSES)
    with world.read() as connection:
        capacity = dict(connection.execute(select(agents.c.id, agents.c.capacity)).all())
        loads = connection.execute(
            select(cases.c.assignee_id, cases.c.channel, func.count())
            .where(cases.c.assignee_id.is_not(None), cases.c.status.in_(active))
            .group_by(cases.c.assignee_id, cases.c.channel)
        ).all()
    assert loads, "nothing was assigned"
    for agent_id, channel, load in loads:
        assert load <= capacity[agent_id][channel], (agent_id, channel, load)

    # Each assignment left one history event, one audit row and one outbox event (a repeated
    # assignment to the same agent is a successful no-op, so there may be fewer than calls).
    assigned_events = sum(kind == "assigned" for events in history.values() for kind, _ in events)
    assert outcomes["next:assigned"] + outcomes["intake:routed"] <= assigned_events <= assigned_ok
    assert world.count(audit_log, audit_log.c.action == "case.assigned") == assigned_events
    assert world.count(outbox, outbox.c.topic == "case.assigned") == assigned_events

    # The audit chain stayed one gapless chain while six processes appended to it.
    verdict = verify_audit_chain(world.uow(read_only=True), actor=SYSTEM)
    assert verdict.ok, verdict.summary()
    assert verdict.count == world.count(audit_log)


def test_a_burst_of_duplicate_deliveries_from_many_processes_stores_each_message_once(
    world: World,
) -> None:
    customer_ids = tuple(
        int(
            register_customer(
                world.uow(), actor=SYSTEM, customer=Customer(None, f"Klant {i}"), now=T0
            ).id
            or 0
        )
        for i in range(10)
    )
    external_ids = tuple(f"mail-{customer}-{n}" for customer in range(10) for n in range(4))
    barrier = multiprocessing.get_context("spawn").Manager().Barrier(PROCESSES)
    jobs = [IntakeJob(world.url, w, external_ids, customer_ids, barrier) for w in range(PROCESSES)]

    results = [r for batch in run_in_processes(run_intake, jobs) for r in batch]

    assert len(results) == PROCESSES * len(external_ids)
    message_of: dict[str, set[int]] = defaultdict(set)
    firsts = Counter[str]()
    for external_id, message_id, duplicate in results:
        message_of[external_id].add(message_id)
        firsts[external_id] += not duplicate
    assert all(len(ids) == 1 for ids in message_of.values()), message_of
    assert set(firsts.values()) == {1}  # exactly one delivery stored it, the others were told
    with world.read() as connection:
        stored = connection.execute(
            select(messages.c.external_id, func.count()).group_by(messages.c.external_id)
        ).all()
    assert sorted(stored) == sorted((external_id, 1) for external_id in external_ids)
    assert world.count(audit_log, audit_log.c.action == "message.received") == len(external_ids)
    verdict = verify_audit_chain(world.uow(read_only=True), actor=SYSTEM)
    assert verdict.ok, verdict.summary()
