"""The in-process live bus: for SQLite, where one server process takes every change.

``publish`` is called by the unit of work right after ``COMMIT`` (``SqlUnitOfWork.commit``),
usually in one of the web server's worker threads; it hops onto the event loop with
``loop.call_soon_threadsafe`` and returns at once, so a commit never waits on a browser.
Events published before ``start()`` or after ``stop()`` are dropped: nobody is listening.

Only changes made in this process are seen: the ``klantenservice worker`` process (promise
sweeps) on the same SQLite file does not reach it. Several processes need PostgreSQL
(``postgres.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from klantenservice.adapters.live.fanout import (
    DEFAULT_BUFFER_SIZE,
    DEFAULT_QUEUE_SIZE,
    Fanout,
    Subscriber,
)
from klantenservice.services.live import LiveEvent

log = logging.getLogger(__name__)


class InProcessLiveBus:
    """Implements ``LivePublisher`` and ``LiveBus``."""

    def __init__(
        self, *, queue_size: int = DEFAULT_QUEUE_SIZE, buffer_size: int = DEFAULT_BUFFER_SIZE
    ) -> None:
        self.fanout = Fanout(queue_size=queue_size, buffer_size=buffer_size)
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        self._loop = None
        self.fanout.close()

    def publish(self, events: Sequence[LiveEvent]) -> None:
        loop = self._loop
        if loop is None or not events:
            return
        try:
            loop.call_soon_threadsafe(self.fanout.deliver, list(events))
        except RuntimeError:  # the loop closed between the check and the call: shutting down
            log.debug("live bus: loop closed, %d events dropped", len(events))

    def subscribe(
        self, *, topics: frozenset[str] | None = None, last_cursor: str | None = None
    ) -> Subscriber:
        return self.fanout.subscribe(topics=topics, last_cursor=last_cursor)
