"""The intake's batches written by a child process: the writer off the web process's GIL.

    web process (event loop)                            child process (spawned)
    handle(): parse, validate ─► GroupCommitter ─► writer thread ── pipe ──► receive_batch
                                                   (now, batch)   ─────────►  own engine,
    answers ◄── outcomes ◄── publish live events ◄── (outcomes, live events)   RoutingMemo

Writing a message costs about twice the Python of answering its HTTP request (statements,
domain objects, audit seal). In one process both compete for one GIL, so the intake used one
core of two however the work was split over threads (``docs/subsystems/intake.md``). Here the
group commit's writer thread only pickles the batch, waits on the pipe without the GIL and
unpickles the outcomes; ``services/inbound.receive_batch`` runs in a child process that is a
small database writer for this web process. The batching is unchanged: what queues while the
child writes one batch is the next.

What the parent still decides, so that both modes behave the same:

- ``now``: the parent's clock, read once per batch (tests use a fake clock);
- the configuration: the parent's ``ConfigCache`` generation travels with each batch, and the
  child drops its own cached calendars, policies and queues when the parent's changed, so a
  queue created in this process is known to the very next intake, as with the thread writer;
- live events (SQLite): the child's units of work collect them after each COMMIT and the
  parent hands them to its in-process bus before answering. PostgreSQL notifies in the
  transaction itself, from any process.

Every outcome reaches its caller: a result, or the exception with its class and message. An
exception that cannot cross (a class whose constructor does not take its ``args``) becomes a
``WriterError`` naming its class, answered as a 500; the child logs its frames. If the child
dies, the batch it was writing fails with ``Unavailable`` (503: it may or may not have
committed; intake is idempotent on the external id, so the retry is safe) and the next batch
starts a new child.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Literal, cast

from klantenservice.domain.errors import DomainError
from klantenservice.services.emergency_intake import recognise
from klantenservice.services.inbound import (
    IntakeOptions,
    IntakeRequest,
    IntakeResult,
    RoutingMemo,
    receive_batch,
)
from klantenservice.services.live import LiveEvent, LivePublisher
from klantenservice.services.ports import Clock, Credentials, Unavailable, UnitOfWorkFactory

log = logging.getLogger(__name__)

Outcome = IntakeResult | Exception
# parent → child: (now, config generation, requests); None asks the child to stop
Batch = tuple[datetime, int, list[IntakeRequest]]
# child → parent: outcomes of a written batch, or the exception that failed it; live events
Reply = (
    tuple[Literal["ok"], list[Outcome], list[LiveEvent]]
    | tuple[Literal["failed"], Exception, list[LiveEvent]]
)
STOP_SECONDS = 10.0


class WriterError(RuntimeError):
    """An exception of the child that could not be sent as itself (answered as a 500)."""


@dataclass(frozen=True, slots=True)
class WriterSpec:
    """What the child needs to rebuild the intake's writer: pickled once, at its start.

    Only token digests are computed in a batch (``services/auth.actor_for_token``), so the
    credentials' hasher is never used there; it is sent because the port comes whole.
    """

    database_url: str
    sqlite_synchronous: str
    options: IntakeOptions
    credentials: Credentials
    collect_live: bool  # SQLite: return committed live events to the parent


class WriterProcess:
    """A ``GroupCommitter`` handler that has its batches written by a child process.

    Called in the committer's one writer thread; ``start`` and ``close`` may come from
    another thread (the app's lifespan), hence the lock around the child's handle.
    """

    def __init__(
        self,
        spec: WriterSpec,
        clock: Clock,
        *,
        live: LivePublisher | None,
        config_generation: Callable[[], int] = lambda: 0,
    ) -> None:
        self._spec = spec
        self._clock = clock
        self._live = live
        self._config_generation = config_generation
        self._lock = threading.Lock()
        self._child: tuple[BaseProcess, Connection] | None = None

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first batch or after a crash)."""
        child = self._child
        return None if child is None else child[0].pid

    def start(self) -> None:
        """Start the child now rather than at the first batch (a warm start)."""
        self._connection()

    def _connection(self) -> Connection:
        with self._lock:
            if self._child is None:
                context = multiprocessing.get_context("spawn")
                parent_end, child_end = context.Pipe(duplex=True)
                process = context.Process(
                    target=serve,
                    args=(child_end, self._spec),
                    name="intake-writer",
                    daemon=True,  # never outlives the web process
                )
                process.start()
                child_end.close()
                self._child = (process, parent_end)
            return self._child[1]

    def __call__(self, requests: Sequence[IntakeRequest]) -> list[Outcome]:
        now = self._clock.now()
        connection = self._connection()
        # emergency recognition runs here, beside the web process's event loop, not in the
        # child: the child, the one writer, is the intake's bottleneck (docs/subsystems/intake.md)
        batch: Batch = (now, self._config_generation(), [_recognised(r) for r in requests])
        try:
            connection.send(batch)
            reply: Reply = connection.recv()
        except (EOFError, OSError) as error:
            self._discard()
            raise Unavailable("the intake writer stopped; please retry the request") from error
        status, outcome, live = reply
        if live and self._live is not None:
            self._live.publish(live)  # after the child's COMMIT, as the unit of work would
        if status == "failed":
            raise cast(Exception, outcome)
        return cast(list[Outcome], outcome)

    def _discard(self) -> None:
        """Forget a child that stopped answering; the next batch starts a new one."""
        with self._lock:
            child, self._child = self._child, None
        if child is not None:
            process, connection = child
            connection.close()
            if process.is_alive():
                process.kill()
            process.join(STOP_SECONDS)

    def close(self) -> None:
        """Ask the child to stop after its batch and wait for it (the app's shutdown)."""
        with self._lock:
            child, self._child = self._child, None
        if child is None:
            return
        process, connection = child
        with contextlib.suppress(OSError):  # already gone: nothing to ask
            connection.send(None)
        process.join(STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join(STOP_SECONDS)
        connection.close()


class _Collector:
    """The child's ``LivePublisher``: keeps what committed units of work hand over."""

    def __init__(self) -> None:
        self.events: list[LiveEvent] = []

    def publish(self, events: Sequence[LiveEvent]) -> None:
        self.events.extend(events)

    def take(self) -> list[LiveEvent]:
        events, self.events = self.events, []
        return events


def serve(connection: Connection, spec: WriterSpec) -> None:
    """The child: write each batch received, answer its outcomes, until told to stop or EOF."""
    # Ctrl-C in a terminal reaches the whole process group: the parent decides when we stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from klantenservice.adapters.db.engine import make_engine  # noqa: PLC0415 - child only
    from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory  # noqa: PLC0415

    engine = make_engine(spec.database_url, sqlite_synchronous=spec.sqlite_synchronous)
    collector = _Collector() if spec.collect_live else None
    factory = SqlUnitOfWorkFactory(engine, live=collector)
    uow_factory = cast(UnitOfWorkFactory, factory)  # see web/app.py: create_app
    memo = RoutingMemo()  # this process is the committer's one writer
    options = replace(spec.options, recognise=False)  # the parent recognised (``_recognised``)
    generation = 0
    # As the web process does after startup (web/app.py): what is built now lives as long as
    # the process; keep it out of the collector's full passes.
    gc.freeze()
    try:
        while True:
            try:
                batch: Batch | None = connection.recv()
            except EOFError:  # the parent is gone
                return
            if batch is None:
                return
            now, parent_generation, requests = batch
            if parent_generation != generation:
                factory.cache.clear()  # the parent changed the configuration
                generation = parent_generation
            reply: Reply
            try:
                outcomes = receive_batch(
                    uow_factory,
                    requests,
                    now=now,
                    options=options,
                    credentials=spec.credentials,
                    memo=memo,
                )
                reply = ("ok", [_portable(outcome) for outcome in outcomes], _take(collector))
            except Exception as error:  # the whole batch failed: every caller learns why
                reply = ("failed", _portable_error(error), _take(collector))
            connection.send(reply)
    finally:
        engine.dispose()


def _take(collector: _Collector | None) -> list[LiveEvent]:
    return [] if collector is None else collector.take()


def _portable(outcome: Outcome) -> Outcome:
    """The outcome as it can cross the pipe; unexpected errors are logged here, with frames."""
    if isinstance(outcome, IntakeResult | DomainError):
        return outcome  # DomainError(message): pickles as itself
    return _portable_error(outcome)


def _portable_error(outcome: Exception) -> Exception:
    if isinstance(outcome, DomainError):
        return outcome
    frames = "".join(traceback.format_tb(outcome.__traceback__))
    # like web/errors.log_unexpected: type and frames, never the message (it can quote data)
    log.error("intake writer: %s\n%s", type(outcome).__qualname__, frames)
    try:
        crossed = pickle.loads(pickle.dumps(outcome))  # noqa: S301 - our own bytes
    except Exception:
        return WriterError(f"{type(outcome).__qualname__} in the intake writer process")
    return cast(Exception, crossed)


def _recognised(request: IntakeRequest) -> IntakeRequest:
    """The request with emergency recognition done (the child's options skip it)."""
    inbound, signal = recognise(request.inbound)
    return request if signal is None else replace(request, inbound=inbound)
