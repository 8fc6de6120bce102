"""The outbox: events commit with their change and are delivered after commit, at least once."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select, text
from tests.services.world import T0, FixedClock, World, build_world

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.repositories.cases import SqlCases
from klantenservice.adapters.db.tables import outbox
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.events import DomainEvent
from klantenservice.services import cases as case_service
from klantenservice.services.ports import SYSTEM
from klantenservice.workers.outbox_dispatcher import (
    DeliveryError,
    OutboxDispatcher,
    OutboxEvent,
    RetryPolicy,
    Topics,
    WebhookHandler,
    WebhookTarget,
)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


class Recorder:
    """A handler that remembers what it got and fails as often as told."""

    def __init__(self, topics: str = "*", *, failures: int = 0, error: Exception | None = None):
        self.topics = Topics((topics,))
        self.failures = failures
        self.error = error or DeliveryError("receiver said no")
        self.seen: list[OutboxEvent] = []

    def accepts(self, topic: str) -> bool:
        return self.topics(topic)

    def deliver(self, event: OutboxEvent) -> None:
        self.seen.append(event)
        if self.failures > 0:
            self.failures -= 1
            raise self.error


def outbox_row(world: World, topic: str) -> Any:
    with world.read() as connection:
        return connection.execute(select(outbox).where(outbox.c.topic == topic)).one()


def test_an_event_is_handed_over_only_once_its_change_is_committed_and_visible(
    world: World,
) -> None:
    intake = world.receive()
    clock = FixedClock(T0)
    seen_status: list[str] = []

    class StatusReader(Recorder):
        def deliver(self, event: OutboxEvent) -> None:
            with world.uow(read_only=True) as uow:  # a fresh connection sees committed data only
                case = uow.cases.get(event.payload["case_id"])
                assert case is not None
                seen_status.append(case.status.value)

    dispatcher = OutboxDispatcher(world.uow, [StatusReader("case.status_changed")], clock)
    dispatcher.run_once()  # intake's own events; none of them is a status change
    assert seen_status == []

    case_service.change_status(
        world.uow(), actor=SYSTEM, case_id=intake.case_id, status=CaseStatus.RESOLVED, now=T0
    )
    assert dispatcher.run_once() == 1
    assert seen_status == ["resolved"]


def test_a_use_case_that_fails_before_commit_leaves_no_event_to_deliver(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = world.receive()
    recorder = Recorder()
    dispatcher = OutboxDispatcher(world.uow, [recorder], FixedClock(T0))
    dispatcher.run_once()
    recorder.seen.clear()

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SqlCases, "set_promise_projection", broken)  # after the outbox insert
    with pytest.raises(RuntimeError):
        case_service.change_status(
            world.uow(), actor=SYSTEM, case_id=intake.case_id, status=CaseStatus.RESOLVED, now=T0
        )
    assert dispatcher.run_once() == 0
    assert recorder.seen == []
    assert world.count(outbox, outbox.c.topic == "case.status_changed") == 0


def test_every_matching_handler_gets_the_event_and_it_is_marked_delivered(world: World) -> None:
    world.receive(external_id="m-1")
    messages, everything = Recorder("message.*"), Recorder()
    clock = FixedClock(T0 + timedelta(seconds=5))
    dispatcher = OutboxDispatcher(world.uow, [messages, everything], clock)

    delivered = dispatcher.run_once()

    assert delivered == len(everything.seen) == world.count(outbox)
    assert [e.topic for e in messages.seen] == ["message.received"]
    row = outbox_row(world, "message.received")
    assert row.delivered_at == clock.now()
    assert row.attempts == 1
    assert row.last_error is None
    assert dispatcher.run_once() == 0  # nothing is delivered twice when all went well


def test_an_event_nobody_listens_to_is_marked_delivered(world: World) -> None:
    world.receive()
    dispatcher = OutboxDispatcher(world.uow, [], FixedClock(T0))
    assert dispatcher.run_once() == world.count(outbox)
    assert world.count(outbox, outbox.c.delivered_at.is_(None)) == 0


def test_a_failed_delivery_is_retried_after_an_exponentially_growing_wait(world: World) -> None:
    world.receive()
    clock = FixedClock(T0)
    recorder = Recorder("case.created", failures=2)
    retry = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(hours=1), max_attempts=10)
    dispatcher = OutboxDispatcher(world.uow, [recorder], clock, retry=retry)

    dispatcher.run_once()
    row = outbox_row(world, "case.created")
    assert (row.attempts, row.delivered_at) == (1, None)
    assert row.available_at == T0 + timedelta(seconds=30)
    assert row.last_error == "Recorder: receiver said no"

    clock.advance(timedelta(seconds=29))
    dispatcher.run_once()
    assert len(recorder.seen) == 1  # not yet due

    clock.advance(timedelta(seconds=1))
    dispatcher.run_once()
    row = outbox_row(world, "case.created")
    assert row.attempts == 2
    assert row.available_at == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(seconds=60))
    dispatcher.run_once()
    row = outbox_row(world, "case.created")
    assert row.delivered_at == clock.now()
    assert [e.attempt for e in recorder.seen] == [1, 2, 3]
    assert len({e.id for e in recorder.seen}) == 1  # the same event id on every retry


def test_the_wait_between_retries_is_capped() -> None:
    retry = RetryPolicy(base=timedelta(seconds=30), cap=timedelta(hours=1))
    waits = [retry.delay(n) for n in range(1, 12)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(hours=1)
    assert max(waits) == timedelta(hours=1)


def test_an_event_that_keeps_failing_is_dead_after_its_last_attempt_and_reported(
    world: World,
) -> None:
    world.receive()
    clock = FixedClock(T0)
    recorder = Recorder("case.created", failures=99)
    retry = RetryPolicy(base=timedelta(seconds=10), cap=timedelta(seconds=40), max_attempts=3)
    dispatcher = OutboxDispatcher(world.uow, [recorder], clock, retry=retry)

    for _ in range(6):
        dispatcher.run_once()
        clock.advance(timedelta(hours=1))

    assert len(recorder.seen) == 3
    report = dispatcher.pending_report()
    assert report.dead_count == 1
    [dead] = report.dead
    assert (dead.topic, dead.attempts) == ("case.created", 3)
    assert dead.last_error == "Recorder: receiver said no"
    assert report.retrying == 0
    assert report.waiting == 0
    assert outbox_row(world, "case.created").delivered_at is None


def test_the_report_counts_waiting_and_retrying_events(world: World) -> None:
    world.receive()
    dispatcher = OutboxDispatcher(world.uow, [Recorder("case.created", failures=1)], FixedClock(T0))
    before = dispatcher.pending_report()
    assert (before.waiting, before.retrying, before.dead_count) == (world.count(outbox), 0, 0)
    assert before.oldest_undelivered_at == T0

    dispatcher.run_once()

    after = dispatcher.pending_report()
    assert (after.waiting, after.retrying, after.dead_count) == (0, 1, 0)


def test_the_stored_error_never_quotes_the_event(world: World) -> None:
    world.receive()
    leaky = Recorder(
        "message.received", failures=1, error=ValueError("body: Mijn pas is geblokkeerd")
    )
    OutboxDispatcher(world.uow, [leaky], FixedClock(T0)).run_once()
    assert outbox_row(world, "message.received").last_error == "Recorder: ValueError"


def test_a_dispatcher_whose_lease_ran_out_does_not_overwrite_the_next_claim(world: World) -> None:
    world.receive()
    clock = FixedClock(T0)
    retry = RetryPolicy(lease=timedelta(minutes=1))
    slow_clock = FixedClock(T0)
    first = OutboxDispatcher(world.uow, [], slow_clock, retry=retry)
    claimed = first._claim()
    assert claimed

    clock.advance(timedelta(minutes=2))  # the lease is over: someone else claims and delivers
    second = OutboxDispatcher(world.uow, [], clock, retry=retry)
    assert second.run_once() == len(claimed)

    slow_clock.advance(timedelta(minutes=3))
    for late in claimed:  # the first dispatcher comes back with a failure
        first._record(late, "late failure")
    assert world.count(outbox, outbox.c.delivered_at.is_(None)) == 0
    assert world.count(outbox, outbox.c.last_error.is_not(None)) == 0


def test_the_loop_stops_when_asked(world: World) -> None:
    world.receive()
    stop = threading.Event()
    recorder = Recorder()

    class StopAfterFirst(Recorder):
        def deliver(self, event: OutboxEvent) -> None:
            stop.set()

    dispatcher = OutboxDispatcher(world.uow, [recorder, StopAfterFirst()], FixedClock(T0))
    runner = threading.Thread(target=dispatcher.run_forever, args=(stop, 0.01))
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert recorder.seen


# -- PostgreSQL: visibility and SKIP LOCKED ----------------------------------------------------


def test_events_of_an_open_transaction_are_invisible_to_the_dispatcher(
    postgres_url_factory: Any,
) -> None:
    url = postgres_url_factory()
    engine = make_engine(url)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        recorder = Recorder()
        dispatcher = OutboxDispatcher(factory, [recorder], FixedClock(T0))
        with factory() as uow:
            uow.outbox.add(DomainEvent("case.created", {"case_id": 1}, T0))
            assert dispatcher.run_once() == 0
            uow.commit()
        assert dispatcher.run_once() == 1
        assert [e.topic for e in recorder.seen] == ["case.created"]
    finally:
        engine.dispose()
        postgres_url_factory.release(url)


def test_two_dispatchers_never_claim_the_same_event(postgres_url_factory: Any) -> None:
    url = postgres_url_factory()
    engine = make_engine(url)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        with factory() as uow:
            uow.outbox.add_all([DomainEvent("case.created", {"case_id": i}, T0) for i in range(6)])
            uow.commit()
        with engine.connect() as other:  # another dispatcher is in the middle of claiming 1..3
            other.execute(text("SELECT id FROM outbox WHERE id <= 3 FOR UPDATE"))
            recorder = Recorder()
            OutboxDispatcher(factory, [recorder], FixedClock(T0)).run_once()
            assert sorted(e.id for e in recorder.seen) == [4, 5, 6]
            other.rollback()
    finally:
        engine.dispose()
        postgres_url_factory.release(url)


# -- webhooks against a real HTTP server -------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    status = 200
    requests: list[tuple[dict[str, str], bytes]] = []  # noqa: RUF012 - shared on purpose

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.requests.append((dict(self.headers), self.rfile.read(length)))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"requests": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks?token=s3cret", handler
    server.shutdown()
    server.server_close()


def test_a_webhook_receives_the_event_as_signed_json_with_an_idempotency_key(
    world: World, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    world.receive()
    webhook = WebhookHandler([WebhookTarget(url, secret="shh")], topics=Topics(("case.created",)))
    try:
        OutboxDispatcher(world.uow, [webhook], FixedClock(T0)).run_once()
    finally:
        webhook.close()

    [(headers, body)] = handler.requests
    document = json.loads(body)
    assert document["topic"] == "case.created"
    assert document["payload"] == {"case_id": 1}
    assert headers["Idempotency-Key"] == str(document["id"])
    assert headers["X-Klantenservice-Signature"].startswith("sha256=")
    assert outbox_row(world, "case.created").delivered_at == T0


def test_a_webhook_answering_with_an_error_status_is_retried_and_the_url_is_not_stored(
    world: World, receiver: tuple[str, type[_Receiver]]
) -> None:
    url, handler = receiver
    handler.status = 503
    world.receive()
    webhook = WebhookHandler([WebhookTarget(url)], topics=Topics(("case.created",)))
    try:
        OutboxDispatcher(world.uow, [webhook], FixedClock(T0)).run_once()
    finally:
        webhook.close()
    row = outbox_row(world, "case.created")
    assert row.delivered_at is None
    assert row.last_error == "webhook: HTTP 503 from 127.0.0.1"


def test_a_webhook_that_does_not_answer_in_time_is_a_failed_delivery(world: World) -> None:
    world.receive()
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    port = listener.getsockname()[1]
    webhook = WebhookHandler([WebhookTarget(f"http://127.0.0.1:{port}/")], timeout=0.1)
    try:
        OutboxDispatcher(world.uow, [webhook], FixedClock(T0)).run_once()
    finally:
        webhook.close()
        listener.close()
    assert outbox_row(world, "case.created").last_error == "webhook: timeout posting to 127.0.0.1"
