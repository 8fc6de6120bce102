"""The PostgreSQL live bus: LISTEN on one dedicated connection per server process.

Whoever commits a change (any web process, the worker process) also committed a
``pg_notify('ks_live', ...)`` in the same transaction (``repositories/outbox.py``); PostgreSQL
delivers it to every listening session at commit, in commit order, and never for a rolled-back
transaction. Each web process listens once and fans out to its own subscribers (``fanout.py``).

The listening connection is async psycopg in autocommit mode, outside SQLAlchemy's pool. When
it drops (server restart, failover, ``pg_terminate_backend``, a network cut noticed by the
periodic ping), notifications sent meanwhile are lost for good, so after reconnecting, and only
once ``LISTEN`` is in place again, every subscriber gets a ``live.resync``: a client that reloads
then cannot miss a change committed between its reload and the reconnect. Reconnecting waits
with exponential backoff and jitter (tenacity), from 0.1 s up to 10 s between tries, forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg
from sqlalchemy.engine import make_url
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_exponential_jitter,
)
from tenacity.wait import WaitBaseT

from klantenservice.adapters.live import wire
from klantenservice.adapters.live.fanout import (
    DEFAULT_BUFFER_SIZE,
    DEFAULT_QUEUE_SIZE,
    Fanout,
    Subscriber,
)

log = logging.getLogger(__name__)

APPLICATION_NAME = "klantenservice-live"
CONNECTION_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, OSError)


def libpq_conninfo(database_url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy) as a libpq URI ``postgresql://...``."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PostgresLiveBus:
    """Implements ``LiveBus``; ``start()`` waits up to ``start_timeout`` for the first LISTEN."""

    def __init__(
        self,
        database_url: str,
        *,
        ping_seconds: float = 30.0,
        start_timeout: float = 5.0,
        wait: WaitBaseT | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
    ) -> None:
        self.fanout = Fanout(queue_size=queue_size, buffer_size=buffer_size)
        self._conninfo = libpq_conninfo(database_url)
        self._ping_seconds = ping_seconds
        self._start_timeout = start_timeout
        self._wait = wait or wait_exponential_jitter(multiplier=0.1, max=10.0, jitter=0.25)
        self._task: asyncio.Task[None] | None = None
        self._listening: asyncio.Event | None = None
        self._connections = 0
        self.backend_pid: int | None = None

    @property
    def listening(self) -> bool:
        return self._listening is not None and self._listening.is_set()

    @property
    def connections(self) -> int:
        """How many times LISTEN was established (1 + reconnections)."""
        return self._connections

    async def start(self) -> None:
        self._listening = asyncio.Event()  # bound to this loop
        self._task = asyncio.create_task(self._run(), name="klantenservice-live-listener")
        if not await self.wait_listening(self._start_timeout):
            log.warning(
                "live: not listening after %.0f s; retrying in the background", self._start_timeout
            )

    async def wait_listening(self, timeout: float) -> bool:
        """True once LISTEN is in place (again); False after ``timeout`` seconds."""
        assert self._listening is not None, "start() the bus first"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout)
        return self._listening.is_set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.fanout.close()

    def subscribe(
        self, *, topics: frozenset[str] | None = None, last_cursor: str | None = None
    ) -> Subscriber:
        return self.fanout.subscribe(topics=topics, last_cursor=last_cursor)

    async def _run(self) -> None:
        while True:
            pause = await self._session()
            if pause:
                await asyncio.sleep(pause)

    async def _session(self) -> float:
        """Connect (retrying), listen until the connection fails; the pause before the next."""
        connection = None
        try:
            connection = await self._connect()
            await self._listen(connection)
        except CONNECTION_ERRORS as error:
            log.warning("live: listener connection lost (%s); reconnecting", type(error).__name__)
        except Exception:  # a bug must not end live updates for good: log, pause, go on
            log.exception("live: listener failed; reconnecting in 1 s")
            return 1.0
        finally:
            assert self._listening is not None
            self._listening.clear()
            self.backend_pid = None
            if connection is not None:
                with contextlib.suppress(*CONNECTION_ERRORS):
                    await connection.close()
        return 0.0

    async def _connect(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        retrying = AsyncRetrying(
            wait=self._wait,
            retry=retry_if_exception_type(CONNECTION_ERRORS),
            before_sleep=_log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._open()
        raise AssertionError("unreachable: tenacity retries forever")  # pragma: no cover

    async def _open(self) -> psycopg.AsyncConnection[tuple[object, ...]]:
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            application_name=APPLICATION_NAME,
            connect_timeout=10,
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
        try:
            await connection.execute(f"LISTEN {wire.CHANNEL}")
        except BaseException:
            await connection.close()
            raise
        return connection

    async def _listen(self, connection: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        if self._connections > 0 or self.fanout.subscriber_count > 0:
            self.fanout.gap("reconnected")  # after LISTEN: a reload now misses nothing
        self._connections += 1
        self.backend_pid = connection.info.backend_pid
        assert self._listening is not None
        self._listening.set()
        log.info("live: listening on %s (backend %s)", wire.CHANNEL, self.backend_pid)
        while True:
            async for notification in connection.notifies(timeout=self._ping_seconds):
                self.fanout.deliver(wire.decode(notification.payload))
            await connection.execute("SELECT 1")  # every ping_seconds: is it still alive?


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    log.warning(
        "live: cannot listen (%s), try %d; next in %.1f s",
        type(error).__name__,
        state.attempt_number,
        delay,
    )
