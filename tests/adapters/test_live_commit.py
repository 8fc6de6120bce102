"""Exactly the committed outbox events reach the live bus, once, after commit, with their ids.

On SQLite the unit of work hands them to its publisher after COMMIT; on PostgreSQL the outbox
sends ``pg_notify`` in the transaction. ``Observer.published()`` reads what reached the bus
either way. On PostgreSQL it sends a marker notification and reads up to it: notifications
arrive in commit order, so whatever had committed before the marker arrives before it, and
nothing needs to be waited for by time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import Engine, select

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.tables import outbox
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.live import wire
from klantenservice.adapters.live.postgres import libpq_conninfo
from klantenservice.domain.events import DomainEvent
from klantenservice.services.live import LiveEvent

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MARKER: LiveEvent = {"topic": "test.marker", "id": 0}
EVENTS = [
    DomainEvent("case.assigned", {"case_id": 41, "agent_id": 3}, T0),
    DomainEvent("message.received", {"message_id": 9, "case_id": 41, "body": "geheim"}, T0),
]


class Recorder:
    """A publisher that checks, when called, that the rows it is told about are committed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.calls: list[list[LiveEvent]] = []

    def publish(self, events: Sequence[LiveEvent]) -> None:
        with self.engine.connect() as connection:  # another connection: sees committed rows only
            stored = set(connection.scalars(select(outbox.c.id)))
        assert {e["id"] for e in events} <= stored, "published before the commit"
        self.calls.append(list(events))


class Observer:
    def __init__(self, url: str, engine: Engine, recorder: Recorder) -> None:
        self.recorder = recorder
        self.listener: psycopg.Connection[tuple[object, ...]] | None = None
        if engine.dialect.name == "postgresql":
            self.listener = psycopg.connect(libpq_conninfo(url), autocommit=True)
            self.listener.execute(f"LISTEN {wire.CHANNEL}")

    def published(self) -> list[list[LiveEvent]]:
        """What reached the bus since the last call, one list per transaction (or chunk)."""
        if self.listener is None:
            calls, self.recorder.calls = self.recorder.calls, []
            return calls
        [marker] = wire.encode([MARKER])
        self.listener.execute("SELECT pg_notify(%s, %s)", (wire.CHANNEL, marker))
        seen: list[list[LiveEvent]] = []
        for notification in self.listener.notifies(timeout=10):
            events = wire.decode(notification.payload)
            if events == [MARKER]:
                return seen
            seen.append(events)
        raise AssertionError("the marker notification did not come back within 10 s")

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


@pytest.fixture
def setup(database_url: str) -> Iterator[tuple[SqlUnitOfWorkFactory, Observer, Engine]]:
    engine = make_engine(database_url)
    recorder = Recorder(engine)
    observer = Observer(database_url, engine, recorder)
    yield SqlUnitOfWorkFactory(engine, live=recorder), observer, engine
    observer.close()
    engine.dispose()


Setup = tuple[SqlUnitOfWorkFactory, Observer, Engine]


def outbox_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.scalars(select(outbox.c.id).order_by(outbox.c.id)))


def test_a_commit_publishes_its_outbox_events_once_after_commit_with_their_row_ids(
    setup: Setup,
) -> None:
    uow, observer, engine = setup
    with uow() as work:
        work.outbox.add_all(EVENTS)
        assert observer.published() == []  # written, not committed: nothing yet
        work.commit()

    ids = outbox_ids(engine)
    assert observer.published() == [
        [
            {"topic": "case.assigned", "id": ids[0], "case_id": 41, "agent_id": 3},
            {"topic": "message.received", "id": ids[1], "message_id": 9, "case_id": 41},
        ]
    ]  # once, in order, without the message body
    assert observer.published() == []


def test_a_rollback_publishes_nothing(setup: Setup) -> None:
    uow, observer, engine = setup
    with uow() as work:
        work.outbox.add_all(EVENTS)
        work.rollback()
    with pytest.raises(RuntimeError), uow() as work:
        work.outbox.add(EVENTS[0])
        raise RuntimeError("the use case failed before commit")

    assert observer.published() == []
    assert outbox_ids(engine) == []


def test_events_after_a_rollback_in_the_same_unit_of_work_are_the_only_ones_published(
    setup: Setup,
) -> None:
    uow, observer, _ = setup
    with uow() as work:
        work.outbox.add(EVENTS[0])
        work.rollback()
        work.outbox.add(EVENTS[1])
        work.commit()

    [[event]] = observer.published()
    assert event["topic"] == "message.received"


def test_a_publisher_that_fails_does_not_fail_the_committed_use_case(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    _, observer, engine = setup

    class Broken:
        def publish(self, events: Sequence[LiveEvent]) -> None:
            raise RuntimeError("loop closed")

    broken = SqlUnitOfWorkFactory(engine, live=Broken())
    with broken() as work:
        work.outbox.add(EVENTS[0])
        work.commit()

    assert len(outbox_ids(engine)) == 1
    if engine.dialect.name == "sqlite":
        assert "publishing 1 committed events failed" in caplog.text
    else:  # PostgreSQL notifies in the transaction; the publisher is not used there
        assert len(observer.published()) == 1


def test_without_a_live_publisher_the_outbox_is_written_as_before(setup: Setup) -> None:
    _, observer, engine = setup
    plain = SqlUnitOfWorkFactory(engine)
    with plain() as work:
        work.outbox.add_all(EVENTS)
        work.commit()

    assert len(outbox_ids(engine)) == 2
    # PostgreSQL: other processes listen, so the outbox always notifies there
    expected = 0 if engine.dialect.name == "sqlite" else 1
    assert len(observer.published()) == expected
