"""Fan-out of live events to this process's subscribers: bounded queues, a replay buffer.

Shared by both buses; runs on the event loop only (the buses hop onto the loop first), so it
needs no locks. Memory is bounded twice over:

- each subscriber has a queue of at most ``queue_size`` messages. A subscriber whose queue is
  full when the next event arrives (a stalled browser, a slow proxy) is not waited for: its
  queue is emptied and replaced by one ``live.resync``; it then continues with new events.
  The others never notice.
- the last ``buffer_size`` messages are kept for replay: a client reconnecting with the
  cursor of the last message it saw (SSE ``Last-Event-ID``) gets what followed, if it is still
  here and was received by this same bus; else a ``live.resync``.

Cursors are ``<epoch>.<seq>``: ``epoch`` is random per bus instance, so a cursor from another
server process or from before a restart is recognised as foreign (resync) rather than
misread; ``seq`` counts messages in the order this bus received them (commit order).
A lost connection to the event source is recorded as a ``live.resync`` message in the
sequence itself (``gap``), so a replay across it still tells the client to reload.
"""

from __future__ import annotations

import asyncio
import fnmatch
import secrets
from collections import deque
from collections.abc import AsyncIterator, Iterable

from klantenservice.services.live import RESYNC, LiveEvent, LiveMessage

DEFAULT_QUEUE_SIZE = 256
DEFAULT_BUFFER_SIZE = 1024


class Subscriber:
    """One subscriber's bounded queue; implements ``services.live.LiveSubscription``."""

    def __init__(
        self, fanout: Fanout, topics: frozenset[str] | None, queue_size: int, start_cursor: str
    ) -> None:
        self.start_cursor = start_cursor
        self._fanout = fanout
        self._topics = topics
        self._queue: asyncio.Queue[LiveMessage | None] = asyncio.Queue(queue_size)
        self.closed = False
        self.resyncs_for_overflow = 0

    def wants(self, message: LiveMessage) -> bool:
        if self._topics is None or message.topic == RESYNC:
            return True
        return any(fnmatch.fnmatchcase(message.topic, pattern) for pattern in self._topics)

    def offer(self, message: LiveMessage) -> None:
        """Queue ``message`` without waiting; on overflow replace the backlog by a resync."""
        if self.closed or not self.wants(message):
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.resyncs_for_overflow += 1
            while not self._queue.empty():
                self._queue.get_nowait()
            reason: LiveEvent = {"topic": RESYNC, "reason": "too slow"}
            self._queue.put_nowait(LiveMessage(message.cursor, reason))

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    async def receive(self, timeout: float) -> LiveMessage | None:
        if self.closed and self._queue.empty():
            raise StopAsyncIteration
        try:
            message = await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None
        if message is None:
            raise StopAsyncIteration
        return message

    async def __aiter__(self) -> AsyncIterator[LiveMessage]:
        while True:
            try:
                message = await self.receive(timeout=3600.0)
            except StopAsyncIteration:
                return
            if message is not None:
                yield message

    def close(self) -> None:
        """Unsubscribe; a pending ``receive`` ends with ``StopAsyncIteration``."""
        if self.closed:
            return
        self.closed = True
        self._fanout.discard(self)
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class Fanout:
    def __init__(
        self, *, queue_size: int = DEFAULT_QUEUE_SIZE, buffer_size: int = DEFAULT_BUFFER_SIZE
    ) -> None:
        self.epoch = secrets.token_hex(4)
        self._seq = 0
        self._queue_size = queue_size
        self._recent: deque[tuple[int, LiveMessage]] = deque(maxlen=buffer_size)
        self._subscribers: set[Subscriber] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def deliver(self, events: Iterable[LiveEvent]) -> None:
        for event in events:
            self._send(self._record(event))

    def gap(self, reason: str) -> None:
        """Events may have been lost (the source reconnected): everyone resyncs."""
        self._send(self._record({"topic": RESYNC, "reason": reason}))

    def subscribe(
        self, *, topics: frozenset[str] | None = None, last_cursor: str | None = None
    ) -> Subscriber:
        subscriber = Subscriber(self, topics, self._queue_size, self._cursor(self._seq))
        if last_cursor is not None:
            for message in self._replay(last_cursor):
                subscriber.offer(message)
        self._subscribers.add(subscriber)
        return subscriber

    def discard(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def close(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.close()

    def _record(self, event: LiveEvent) -> LiveMessage:
        self._seq += 1
        message = LiveMessage(self._cursor(self._seq), event)
        self._recent.append((self._seq, message))
        return message

    def _send(self, message: LiveMessage) -> None:
        for subscriber in list(self._subscribers):
            subscriber.offer(message)

    def _cursor(self, seq: int) -> str:
        return f"{self.epoch}.{seq}"

    def _replay(self, last_cursor: str) -> list[LiveMessage]:
        """What followed ``last_cursor``; a single resync when that cannot be told."""
        epoch, _, number = last_cursor.partition(".")
        seq = int(number) if number.isdigit() else -1
        oldest = self._recent[0][0] if self._recent else self._seq + 1
        if epoch != self.epoch or not oldest - 1 <= seq <= self._seq:
            reason = "other server" if epoch != self.epoch else "too old"
            return [LiveMessage(self._cursor(self._seq), {"topic": RESYNC, "reason": reason})]
        return [message for number, message in self._recent if number > seq]
