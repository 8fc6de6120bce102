"""The in-process live bus and the fan-out both buses share: delivery, bounds, replay, filter.

Each test runs its own event loop (``asyncio.run``); waits are bounded by ``receive`` timeouts.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from klantenservice.adapters.live import wire
from klantenservice.adapters.live.fanout import Fanout, Subscriber
from klantenservice.adapters.live.in_process import InProcessLiveBus
from klantenservice.services.live import RESYNC, LiveEvent, LiveMessage, live_event

TIMEOUT = 5.0


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


def assigned(n: int) -> LiveEvent:
    return {"topic": "case.assigned", "id": n, "case_id": n, "agent_id": 1}


async def take(subscription: Subscriber, count: int) -> list[LiveMessage]:
    taken = []
    for _ in range(count):
        message = await subscription.receive(TIMEOUT)
        assert message is not None, f"only {len(taken)} of {count} messages arrived"
        taken.append(message)
    return taken


async def nothing_waiting(subscription: Subscriber) -> bool:
    return await subscription.receive(0.01) is None


def test_a_published_event_reaches_every_subscriber_once() -> None:
    async def scenario() -> None:
        bus = InProcessLiveBus()
        await bus.start()
        first, second = bus.subscribe(), bus.subscribe()
        bus.publish([assigned(1)])
        for subscription in (first, second):
            [message] = await take(subscription, 1)
            assert message.event == assigned(1)
            assert await nothing_waiting(subscription)
        await bus.stop()

    run(scenario)


def test_events_published_from_a_worker_thread_arrive_on_the_event_loop_in_order() -> None:
    async def scenario() -> None:
        bus = InProcessLiveBus()
        await bus.start()
        subscription = bus.subscribe()
        threads = [threading.Thread(target=bus.publish, args=([assigned(n)],)) for n in range(1, 4)]
        for thread in threads:  # one after the other: the order is the publishing order
            thread.start()
            thread.join()
        messages = await take(subscription, 3)
        assert [m.event["id"] for m in messages] == [1, 2, 3]
        seqs = [int(m.cursor.split(".")[1]) for m in messages]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3
        await bus.stop()

    run(scenario)


def test_events_published_before_start_or_after_stop_are_dropped_without_error() -> None:
    async def scenario() -> None:
        bus = InProcessLiveBus()
        bus.publish([assigned(1)])
        await bus.start()
        subscription = bus.subscribe()
        assert await nothing_waiting(subscription)
        await bus.stop()
        bus.publish([assigned(2)])

    run(scenario)


def test_a_slow_subscriber_is_told_to_resync_with_a_bounded_queue_and_others_get_everything() -> (
    None
):
    async def scenario() -> None:
        bus = InProcessLiveBus(queue_size=4)
        await bus.start()
        slow, fast = bus.subscribe(), bus.subscribe()
        received: list[LiveMessage] = []
        for n in range(1, 11):  # the fast one reads each event; the slow one reads none
            bus.publish([assigned(n)])
            received += await take(fast, 1)
            assert slow.backlog <= 4
        assert [m.event["id"] for m in received] == list(range(1, 11))

        messages = await take(slow, slow.backlog)
        assert messages[0].topic == RESYNC
        assert messages[0].event["reason"] == "too slow"
        # after the resync it goes on with what came later, never more than its bound behind
        assert [m.event["id"] for m in messages[1:]] == list(range(11 - len(messages[1:]), 11))
        assert slow.resyncs_for_overflow >= 1
        await bus.stop()

    run(scenario)


def test_topic_patterns_filter_events_but_never_hold_back_a_resync() -> None:
    async def scenario() -> None:
        fanout = Fanout()
        subscription = fanout.subscribe(topics=frozenset({"message.*"}))
        fanout.deliver([assigned(1), {"topic": "message.received", "id": 2, "case_id": 1}])
        fanout.gap("reconnected")
        first, second = await take(subscription, 2)
        assert first.topic == "message.received"
        assert second.event == {"topic": RESYNC, "reason": "reconnected"}

    run(scenario)


def test_a_subscriber_resuming_from_a_cursor_gets_exactly_what_followed_it() -> None:
    async def scenario() -> None:
        fanout = Fanout()
        early = fanout.subscribe()
        fanout.deliver([assigned(1), assigned(2)])
        cursor = (await take(early, 1))[0].cursor  # it saw event 1, then disconnected
        early.close()
        fanout.deliver([assigned(3)])

        resumed = fanout.subscribe(last_cursor=cursor)
        assert [m.event["id"] for m in await take(resumed, 2)] == [2, 3]
        assert await nothing_waiting(resumed)
        assert resumed.start_cursor.endswith(".3")

    run(scenario)


def test_a_cursor_the_bus_cannot_replay_gets_a_single_resync() -> None:
    async def scenario() -> None:
        fanout = Fanout(buffer_size=2)
        first = fanout.subscribe()
        fanout.deliver([assigned(n) for n in range(1, 6)])
        old_cursor = (await take(first, 1))[0].cursor  # event 1: no longer in the buffer
        for cursor, reason in [
            (old_cursor, "too old"),
            ("0badc0de.3", "other server"),
            ("garbage", "other server"),
            (f"{fanout.epoch}.99", "too old"),
        ]:
            subscription = fanout.subscribe(last_cursor=cursor)
            [message] = await take(subscription, 1)
            assert message.event == {"topic": RESYNC, "reason": reason}
            assert message.cursor == f"{fanout.epoch}.5"  # resume from here after reloading
            assert await nothing_waiting(subscription)

    run(scenario)


def test_stopping_the_bus_ends_every_subscription() -> None:
    async def scenario() -> None:
        bus = InProcessLiveBus()
        await bus.start()
        subscription = bus.subscribe()
        waiting = asyncio.create_task(subscription.receive(TIMEOUT))
        await asyncio.sleep(0)  # let it wait
        await bus.stop()
        try:
            await waiting
        except StopAsyncIteration:
            pass
        else:
            raise AssertionError("receive did not end when the bus stopped")
        assert [m async for m in subscription] == []
        assert bus.fanout.subscriber_count == 0

    run(scenario)


def test_a_live_event_keeps_ids_and_short_tokens_and_drops_everything_else() -> None:
    payload = {
        "case_id": 41,
        "agent_id": None,
        "message_id": 7,
        "channel": "email",
        "due_at": "2026-11-23T13:00:00+00:00",
        "body": "Mijn pas is geblokkeerd",
        "customer_name": "Jan Jansen",
        "email": "jan@example.nl",
        "to": "+31612345678",  # a known key, but a phone number is no enum value: dropped
        "from": "jan@example.nl",
        "promise": "first_response",
        "warn_at": "next tuesday",
        "account_id": "NL91ABNA0417164300",  # an id key must hold an integer
        "flag_id": True,
        "changes": ["tagged"],
        "topic": "spoofed",
    }
    assert live_event(812, "case.edited", payload) == {
        "topic": "case.edited",
        "id": 812,
        "case_id": 41,
        "agent_id": None,
        "message_id": 7,
        "channel": "email",
        "due_at": "2026-11-23T13:00:00+00:00",
        "promise": "first_response",
    }


def test_notify_payloads_stay_under_the_postgres_limit_and_decode_to_the_same_events() -> None:
    events = [assigned(n) for n in range(1, 400)]
    chunks = wire.encode(events)
    assert len(chunks) > 1
    assert all(len(chunk.encode()) <= wire.MAX_PAYLOAD_BYTES for chunk in chunks)
    assert [e for chunk in chunks for e in wire.decode(chunk)] == events
    assert wire.decode("not json") == []
    assert wire.decode('{"topic": "x"}') == []
