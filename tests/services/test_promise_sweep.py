"""The promise sweep: warnings and breaches that happen by time alone are announced once.

The world's default policy: first response within 4 working hours (warning after 80 %, i.e.
3h12m), resolution within 72. A case received at T0 (Monday 10:00 Amsterdam) warns at
T0 + 3h12m and breaches at T0 + 4h.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.db.tables import audit_log, cases, outbox
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.promises import ClockState, PromiseClock, PromiseKind
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import cases as case_service
from klantenservice.services import messages as message_service
from klantenservice.services import promise_sweep
from klantenservice.services.audit import verify_audit_chain
from klantenservice.services.ports import SYSTEM
from klantenservice.services.promise_sweep import StoredProjection, transitions
from klantenservice.workers.promise_sweeper import PromiseSweeper, SweepReport

WARN = T0 + timedelta(hours=3, minutes=12)
DUE = T0 + timedelta(hours=4)
RESOLUTION_DUE = T0 + timedelta(days=8)  # 72 working hours later: Tuesday 1 December, 10:00


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def sweep(world: World, at: Any, *, batch_size: int = 100) -> SweepReport:
    return PromiseSweeper(world.uow, FixedClock(at), batch_size=batch_size).run_once()


def announcements(world: World) -> list[tuple[str, str]]:
    with world.read() as connection:
        rows = connection.execute(
            select(outbox.c.topic, outbox.c.payload)
            .where(outbox.c.topic.like("promise.%"))
            .order_by(outbox.c.id)
        )
        return [(r.topic, r.payload["promise"]) for r in rows]


def projection(world: World, case_id: CaseId) -> tuple[Any, Any]:
    with world.read() as connection:
        row = connection.execute(
            select(cases.c.promise_due_at, cases.c.promise_state).where(cases.c.id == case_id)
        ).one()
        return row.promise_due_at, row.promise_state


def test_a_breach_is_announced_exactly_once_however_often_the_sweeper_runs(world: World) -> None:
    case_id = world.receive().case_id

    first = sweep(world, DUE + timedelta(minutes=1))
    again = [sweep(world, DUE + timedelta(minutes=m)) for m in (1, 2, 30, 90)]

    assert (first.breaches, first.warnings) == (1, 0)  # swept too late to warn: breach only
    assert all(r.breaches == r.warnings == 0 for r in again)
    assert announcements(world) == [("promise.breached", "first_response")]
    assert projection(world, case_id) == (RESOLUTION_DUE, "breached")


def test_a_clock_passing_its_warning_share_is_announced_once_and_then_its_breach(
    world: World,
) -> None:
    case_id = world.receive().case_id

    early = sweep(world, WARN - timedelta(minutes=1))
    warned = sweep(world, WARN + timedelta(minutes=1))
    still_warning = sweep(world, WARN + timedelta(minutes=30))
    breached = sweep(world, DUE + timedelta(seconds=1))

    assert (early.warnings, early.breaches) == (0, 0)
    assert (warned.warnings, warned.breaches) == (1, 0)
    assert still_warning.examined == 0  # a warning case is looked at again at its due instant
    assert (breached.warnings, breached.breaches) == (0, 1)
    assert announcements(world) == [
        ("promise.warning", "first_response"),
        ("promise.breached", "first_response"),
    ]
    assert projection(world, case_id)[1] == "breached"


def test_the_breach_event_and_audit_row_say_which_promise_broke_and_when(world: World) -> None:
    case_id = world.receive().case_id
    sweep(world, DUE + timedelta(minutes=1))

    with world.read() as connection:
        event = connection.execute(select(outbox).where(outbox.c.topic == "promise.breached")).one()
        record = connection.execute(
            select(audit_log).where(audit_log.c.action == "promise.breached")
        ).one()
    assert event.payload == {
        "case_id": case_id,
        "promise": "first_response",
        "policy": "default",
        "breached_at": DUE.isoformat(),
        "due_at": DUE.isoformat(),
        "elapsed_seconds": 4 * 3600 + 60,  # counted up to the sweep
        "target_seconds": 4 * 3600,
    }
    assert event.created_at == DUE + timedelta(minutes=1)
    assert (record.actor, record.subject_type, record.subject_id) == (
        "system",
        "case",
        str(case_id),
    )
    assert record.details["breached_at"] == DUE.isoformat()
    assert verify_audit_chain(world.uow(read_only=True), actor=SYSTEM).ok


def test_a_later_promise_of_an_already_breached_case_is_announced_when_it_breaks(
    world: World,
) -> None:
    world.receive()
    sweep(world, DUE + timedelta(minutes=1))
    sweep(world, RESOLUTION_DUE - timedelta(minutes=1))
    sweep(world, RESOLUTION_DUE + timedelta(minutes=1))
    sweep(world, RESOLUTION_DUE + timedelta(hours=1))
    assert announcements(world) == [
        ("promise.breached", "first_response"),
        ("promise.breached", "resolution"),
    ]


def test_a_case_answered_in_time_is_not_announced(world: World) -> None:
    world.add_agent("Anna")
    case_id = world.receive().case_id
    message_service.reply_to_case(
        world.uow(),
        actor=world.agent_actor("Anna"),
        case_id=case_id,
        body="We zoeken het uit",
        now=T0 + timedelta(hours=1),
    )
    report = sweep(world, DUE + timedelta(hours=1))
    assert (report.examined, announcements(world)) == (0, [])
    assert projection(world, case_id) == (RESOLUTION_DUE, "running")


def test_a_case_waiting_on_the_customer_is_not_announced_until_its_clock_runs_out_again(
    world: World,
) -> None:
    first = world.receive(external_id="m-1")
    case_service.change_status(
        world.uow(),
        actor=SYSTEM,
        case_id=first.case_id,
        status=CaseStatus.PENDING_CUSTOMER,
        now=T0 + timedelta(hours=1),
    )
    assert sweep(world, DUE + timedelta(hours=1)).examined == 0

    world.receive("Hier is het", external_id="m-2", at=T0 + timedelta(hours=6))  # resumes: 3h left
    assert sweep(world, T0 + timedelta(hours=8, minutes=59)).breaches == 0
    assert sweep(world, T0 + timedelta(hours=9, minutes=1)).breaches == 1
    assert announcements(world) == [
        ("promise.warning", "first_response"),
        ("promise.breached", "first_response"),
    ]


def test_many_due_cases_are_swept_in_batches_until_none_is_left(world: World) -> None:
    for i in range(5):
        world.receive(email=f"klant{i}@example.nl", at=T0 + timedelta(minutes=i))

    report = sweep(world, DUE + timedelta(hours=1), batch_size=2)

    assert (report.examined, report.breaches, report.batches) == (5, 5, 3)
    assert sweep(world, DUE + timedelta(hours=1), batch_size=2).examined == 0


def test_a_resolved_case_is_never_swept(world: World) -> None:
    case_id = world.receive().case_id
    case_service.change_status(
        world.uow(), actor=SYSTEM, case_id=case_id, status=CaseStatus.RESOLVED, now=T0
    )
    assert sweep(world, DUE + timedelta(days=30)).examined == 0
    assert projection(world, case_id) == (None, None)


def test_a_clock_that_was_already_breached_before_the_stored_due_instant_is_not_repeated() -> None:
    def breached(at: Any) -> PromiseClock:
        return PromiseClock(
            kind=PromiseKind.FIRST_RESPONSE,
            state=ClockState.BREACHED,
            target=timedelta(hours=4),
            elapsed=timedelta(hours=5),
            remaining=timedelta(0),
            started_at=T0,
            due_at=at,
            warn_at=None,
            met_at=None,
            breached_at=at,
            explanation=(),
        )

    stored = StoredProjection(due_at=DUE, state="warning")
    assert transitions(stored, [breached(DUE)]) == ([], [breached(DUE)])
    assert transitions(stored, [breached(DUE - timedelta(seconds=1))]) == ([], [])
    assert transitions(StoredProjection(None, "breached"), [breached(DUE)]) == ([], [])


# -- PostgreSQL: a case busy in another transaction is skipped, not waited for -----------------


def test_a_case_locked_by_a_running_use_case_is_skipped_and_swept_next_time(
    postgres_url_factory: Any,
) -> None:
    url = postgres_url_factory()
    world = build_world(url)
    try:
        case_id = world.receive().case_id
        with world.engine.connect() as other:
            other.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case_id})
            assert sweep(world, DUE + timedelta(minutes=1)).examined == 0
            other.rollback()
        assert sweep(world, DUE + timedelta(minutes=2)).breaches == 1
    finally:
        world.close()
        postgres_url_factory.release(url)


def test_a_case_whose_clocks_cannot_be_evaluated_does_not_stop_the_sweep_of_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = world.receive(email="kapot@example.nl").case_id
    fine = world.receive(email="goed@example.nl").case_id
    real_evaluate = promise_sweep.evaluate

    def evaluate(uow: Any, case: Any, now: Any) -> Any:
        if case.id == broken:
            raise ValidationError("calendar 'office' is never open")
        return real_evaluate(uow, case, now)

    monkeypatch.setattr(promise_sweep, "evaluate", evaluate)
    report = sweep(world, DUE + timedelta(minutes=1))

    assert report.breaches == 1
    assert projection(world, fine)[1] == "breached"
    assert projection(world, broken) == (DUE, "running")  # left as it was, tried again next time
