"""The PostgreSQL live bus on a real server: delivery, reconnecting after a cut, waiting for a
database that is not there yet. Every wait is bounded by a timeout; reconnect backoff is fixed
and short here (production: exponential, 0.1 s up to 10 s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url
from tenacity import wait_fixed

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.live.fanout import Subscriber
from klantenservice.adapters.live.postgres import PostgresLiveBus, libpq_conninfo
from klantenservice.domain.events import DomainEvent
from klantenservice.services.live import RESYNC, LiveMessage

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TIMEOUT = 10.0


@pytest.fixture
def url(postgres_url_factory: Any) -> Iterator[str]:
    database = postgres_url_factory()
    yield database
    postgres_url_factory.release(database)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 60))


def commit_assignment(url: str, case_id: int) -> None:
    engine = make_engine(url)
    try:
        with SqlUnitOfWorkFactory(engine)() as uow:
            uow.outbox.add(DomainEvent("case.assigned", {"case_id": case_id, "agent_id": 1}, T0))
            uow.commit()
    finally:
        engine.dispose()


async def next_message(subscription: Subscriber) -> LiveMessage:
    message = await subscription.receive(TIMEOUT)
    assert message is not None, f"nothing arrived within {TIMEOUT} s"
    return message


def terminate(url: str, pid: int) -> None:
    with psycopg.connect(libpq_conninfo(url), autocommit=True) as admin:
        row = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()
        assert row == (True,)


def test_the_bus_delivers_what_another_connection_committed(url: str) -> None:
    async def scenario() -> None:
        bus = PostgresLiveBus(url)
        await bus.start()
        assert bus.listening
        subscription = bus.subscribe()
        commit_assignment(url, 41)
        message = await next_message(subscription)
        assert message.topic == "case.assigned"
        assert message.event["case_id"] == 41
        await bus.stop()

    run(scenario)


def test_the_bus_reconnects_after_its_connection_is_terminated_and_tells_subscribers_to_resync(
    url: str,
) -> None:
    async def scenario() -> None:
        bus = PostgresLiveBus(url, wait=wait_fixed(0.05))
        await bus.start()
        subscription = bus.subscribe()
        first_backend = bus.backend_pid
        assert first_backend is not None

        terminate(url, first_backend)

        resync = await next_message(subscription)  # sent once LISTEN is in place again
        assert resync.event == {"topic": RESYNC, "reason": "reconnected"}
        assert bus.listening and bus.connections == 2
        assert bus.backend_pid not in (None, first_backend)
        commit_assignment(url, 42)
        message = await next_message(subscription)
        assert message.event["case_id"] == 42
        await bus.stop()

    run(scenario)


def test_the_bus_keeps_trying_until_the_database_can_be_reached(
    url: str, postgres_url_factory: Any
) -> None:
    missing = make_url(url).set(database="ks_live_not_yet").render_as_string(False)

    async def scenario() -> None:
        bus = PostgresLiveBus(missing, start_timeout=0.1, wait=wait_fixed(0.05))
        await bus.start()  # does not fail: the web app starts without live updates
        assert not bus.listening
        await asyncio.to_thread(postgres_url_factory.cluster.create_database, "ks_live_not_yet")
        assert await bus.wait_listening(TIMEOUT)
        await bus.stop()

    try:
        run(scenario)
    finally:
        postgres_url_factory.cluster.drop_database("ks_live_not_yet")
