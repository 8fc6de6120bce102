"""Case use cases: transitions commit with their audit row and outbox event, or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.services.world import T0, World, build_world

from klantenservice.adapters.db.repositories.audit import SqlAudit
from klantenservice.adapters.db.repositories.cases import SqlCases
from klantenservice.adapters.db.tables import audit_head, audit_log, case_events, cases, outbox
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import InvalidTransition, NotFound, PermissionDenied
from klantenservice.domain.promises import ClockState, PromiseKind
from klantenservice.domain.vocabulary import CaseId, Priority, Role
from klantenservice.services import cases as case_service
from klantenservice.services import messages as message_service
from klantenservice.services.ports import SYSTEM, Actor


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def snapshot(world: World, case_id: CaseId) -> dict[str, Any]:
    """Everything a use case on ``case_id`` may change, to compare before and after."""
    with world.read() as connection:
        case = connection.execute(select(cases).where(cases.c.id == case_id)).one()
        head = connection.execute(select(audit_head.c.seq, audit_head.c.hash)).one()
        return {
            "case": tuple(case),
            "events": world.count(case_events),
            "audit": world.count(audit_log),
            "head": tuple(head),
            "outbox": world.count(outbox),
        }


def set_status(world: World, case_id: CaseId, status: CaseStatus, at: timedelta) -> None:
    case_service.change_status(
        world.uow(), actor=SYSTEM, case_id=case_id, status=status, now=T0 + at
    )


def clock(world: World, case_id: CaseId, at: timedelta, kind: PromiseKind) -> Any:
    view = case_service.view_case(world.uow(), actor=SYSTEM, case_id=case_id, now=T0 + at)
    return next(c for c in view.promises.clocks if c.kind is kind)


# -- one commit: state, audit, outbox ----------------------------------------------------------


def test_a_status_change_commits_the_case_its_history_audit_row_and_outbox_event_together(
    world: World,
) -> None:
    case_id = world.receive().case_id
    before = snapshot(world, case_id)

    set_status(world, case_id, CaseStatus.PENDING_CUSTOMER, timedelta(minutes=5))

    after = snapshot(world, case_id)
    assert after["events"] == before["events"] + 1
    assert after["audit"] == before["audit"] + 1
    assert after["outbox"] == before["outbox"] + 1
    with world.read() as connection:
        status = connection.execute(select(cases.c.status).where(cases.c.id == case_id))
        assert status.scalar_one() == CaseStatus.PENDING_CUSTOMER
        record = connection.execute(
            select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)
        ).one()
        event = connection.execute(select(outbox).order_by(outbox.c.id.desc()).limit(1)).one()
    assert (record.action, record.subject_id) == ("case.status_changed", str(case_id))
    assert record.details == {"from": "new", "to": "pending_customer"}
    assert event.topic == "case.status_changed"
    assert event.payload == {"case_id": case_id, "from": "new", "to": "pending_customer"}


def test_a_forbidden_transition_changes_nothing(world: World) -> None:
    case_id = world.receive().case_id
    before = snapshot(world, case_id)
    with pytest.raises(InvalidTransition, match="cannot go from new to closed"):
        set_status(world, case_id, CaseStatus.CLOSED, timedelta(minutes=5))
    assert snapshot(world, case_id) == before


def test_a_failure_after_the_state_change_and_before_commit_leaves_no_trace(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = world.receive().case_id
    before = snapshot(world, case_id)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    # save_change writes case, history and outbox row, then refreshes the projection: fail there.
    monkeypatch.setattr(SqlCases, "set_promise_projection", fail)
    with pytest.raises(RuntimeError):
        set_status(world, case_id, CaseStatus.RESOLVED, timedelta(minutes=5))

    assert snapshot(world, case_id) == before


def test_a_failure_while_sealing_the_audit_chain_at_commit_leaves_no_trace(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = world.receive().case_id
    before = snapshot(world, case_id)
    seal = SqlAudit.flush

    def seal_then_fail(self: SqlAudit) -> None:
        seal(self)  # audit rows written and the head moved, in the open transaction
        raise RuntimeError("connection lost during commit")

    monkeypatch.setattr(SqlAudit, "flush", seal_then_fail)
    with pytest.raises(RuntimeError):
        set_status(world, case_id, CaseStatus.RESOLVED, timedelta(minutes=5))

    assert snapshot(world, case_id) == before


def test_a_denied_actor_changes_nothing(world: World) -> None:
    case_id = world.receive().case_id
    before = snapshot(world, case_id)
    quality = Actor(kind="user", id=7, roles=frozenset({Role.QUALITY}))
    with pytest.raises(PermissionDenied):
        case_service.change_priority(
            world.uow(), actor=quality, case_id=case_id, priority=Priority.HIGH, now=T0
        )
    assert snapshot(world, case_id) == before


def test_an_unknown_case_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        set_status(world, CaseId(404), CaseStatus.OPEN, timedelta(0))


# -- promise clocks as the case moves ----------------------------------------------------------


def test_waiting_on_the_customer_pauses_the_clock_and_the_explanation_says_so(
    world: World,
) -> None:
    case_id = world.receive().case_id
    set_status(world, case_id, CaseStatus.PENDING_CUSTOMER, timedelta(hours=1))

    paused = clock(world, case_id, timedelta(hours=3), PromiseKind.FIRST_RESPONSE)

    assert paused.state is ClockState.PAUSED
    assert paused.elapsed == timedelta(hours=1)
    assert paused.due_at is None
    assert "paused since 2026-11-23 11:00 CET while waiting on the customer" in " | ".join(
        paused.explanation
    )


def test_the_clock_resumes_when_the_customer_answers_and_the_pause_is_explained(
    world: World,
) -> None:
    first = world.receive(external_id="m-1")
    set_status(world, first.case_id, CaseStatus.PENDING_CUSTOMER, timedelta(hours=1))
    answer = world.receive("Hier is mijn antwoord", external_id="m-2", at=T0 + timedelta(hours=3))
    assert answer.case_id == first.case_id

    resumed = clock(world, first.case_id, timedelta(hours=4), PromiseKind.FIRST_RESPONSE)

    assert resumed.state is ClockState.RUNNING
    assert resumed.elapsed == timedelta(hours=2)
    assert resumed.due_at == T0 + timedelta(hours=6)
    assert any("paused 2h while waiting on the customer" in line for line in resumed.explanation)


def test_an_agent_reply_in_time_meets_the_first_response_promise(world: World) -> None:
    world.add_agent("Anna")
    intake = world.receive()
    message_service.reply_to_case(
        world.uow(),
        actor=world.agent_actor("Anna"),
        case_id=intake.case_id,
        body="We kijken ernaar",
        now=T0 + timedelta(hours=1),
    )
    met = clock(world, intake.case_id, timedelta(hours=5), PromiseKind.FIRST_RESPONSE)
    assert met.state is ClockState.MET
    assert met.met_at == T0 + timedelta(hours=1)


# -- merging -----------------------------------------------------------------------------------


def test_merging_keeps_both_histories_and_shows_the_messages_of_both_under_the_target(
    world: World,
) -> None:
    older = world.receive("Eerste mail", external_id="m-1")
    set_status(world, older.case_id, CaseStatus.RESOLVED, timedelta(minutes=10))
    newer = world.receive("Tweede mail", external_id="m-2", at=T0 + timedelta(hours=1))
    assert newer.case_id != older.case_id
    events_before = world.count(case_events)

    merged = case_service.merge_cases(
        world.uow(),
        actor=SYSTEM,
        target_id=newer.case_id,
        source_id=older.case_id,
        now=T0 + timedelta(hours=2),
    )

    page = message_service.case_messages(
        world.uow(), actor=SYSTEM, case_id=merged.id, after=0, limit=10, now=T0
    )
    assert [m.body for m in page.items] == ["Eerste mail", "Tweede mail"]
    view = case_service.view_case(
        world.uow(), actor=SYSTEM, case_id=merged.id, now=T0 + timedelta(hours=2)
    )
    assert view.merged_from == (older.case_id,)
    with world.read() as connection:
        source = connection.execute(select(cases).where(cases.c.id == older.case_id)).one()
        kinds = connection.execute(
            select(case_events.c.case_id, case_events.c.kind).where(
                case_events.c.id > events_before
            )
        ).all()
    assert (source.status, source.merged_into) == (CaseStatus.CLOSED, newer.case_id)
    assert sorted(kinds) == sorted(
        [
            (older.case_id, "merged_into"),
            (older.case_id, "status_changed"),
            (newer.case_id, "merged_from"),
        ]
    )
    assert world.audit_actions().count("case.merged") == 2


def test_a_closed_case_cannot_be_merged(world: World) -> None:
    older = world.receive("Eerste mail", external_id="m-1")
    set_status(world, older.case_id, CaseStatus.RESOLVED, timedelta(minutes=10))
    set_status(world, older.case_id, CaseStatus.CLOSED, timedelta(minutes=11))
    newer = world.receive("Tweede mail", external_id="m-2", at=T0 + timedelta(hours=1))
    before = snapshot(world, newer.case_id)
    with pytest.raises(InvalidTransition):
        case_service.merge_cases(
            world.uow(), actor=SYSTEM, target_id=newer.case_id, source_id=older.case_id, now=T0
        )
    assert snapshot(world, newer.case_id) == before
