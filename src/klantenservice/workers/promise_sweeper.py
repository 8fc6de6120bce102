"""The promise sweeper: every few seconds, announce promise clocks that warned or breached.

A thin loop around ``services/promise_sweep.sweep_promises``: it pages through the cases whose
projection says a clock may have moved, one transaction per batch, as the system actor. What
it announces goes through the outbox like every other event (``workers/outbox_dispatcher``).
Several sweepers may run at once on PostgreSQL: each skips rows another one holds.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy.exc import SQLAlchemyError

from klantenservice.adapters.db.repositories.promise_projections import SqlPromiseProjections
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from klantenservice.services.ports import SYSTEM, Actor, Clock
from klantenservice.services.promise_sweep import (
    DEFAULT_BATCH,
    SweepCursor,
    SweepUnitOfWork,
    sweep_promises,
)

log = logging.getLogger(__name__)

SWEEPER = Actor(kind=SYSTEM.kind, id=None, roles=SYSTEM.roles, name="promise-sweeper")


class SqlSweepUnitOfWork:
    """A unit of work made by the factory, plus the projection repository on its connection.

    Wraps rather than subclasses, so whatever the factory does around a transaction (on SQLite,
    queueing writers of this process on a lock) applies to sweeps too.
    """

    projections: SqlPromiseProjections

    def __init__(self, inner: SqlUnitOfWork) -> None:
        self._inner = inner

    def __enter__(self) -> Self:
        self._inner.__enter__()
        self.projections = SqlPromiseProjections(self._inner.connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._inner.commit()

    def rollback(self) -> None:
        self._inner.rollback()

    def __getattr__(self, name: str) -> Any:  # the repositories: cases, audit, outbox, ...
        return getattr(self._inner, name)


@dataclass(frozen=True, slots=True)
class SweepReport:
    examined: int = 0
    warnings: int = 0
    breaches: int = 0
    batches: int = 0


@dataclass
class PromiseSweeper:
    uow_factory: SqlUnitOfWorkFactory
    clock: Clock
    batch_size: int = DEFAULT_BATCH
    max_batches: int = 1000  # per run: a bound, not a target

    def unit_of_work(self) -> SweepUnitOfWork:
        # cast: the repositories come through __getattr__, which mypy cannot see.
        return cast(SweepUnitOfWork, SqlSweepUnitOfWork(self.uow_factory()))

    def run_once(self) -> SweepReport:
        """One pass over everything due at this instant, batch by batch."""
        now = self.clock.now()
        report = SweepReport()
        after: SweepCursor | None = None
        for _ in range(self.max_batches):
            batch = sweep_promises(
                self.unit_of_work(), actor=SWEEPER, now=now, after=after, limit=self.batch_size
            )
            report = SweepReport(
                report.examined + batch.examined,
                report.warnings + batch.warnings,
                report.breaches + batch.breaches,
                report.batches + 1,
            )
            if batch.unreadable:
                log.error("promise clocks of cases %s cannot be evaluated", list(batch.unreadable))
            after = batch.next_after
            if after is None:
                break
        if report.warnings or report.breaches:
            log.info(
                "promise sweep: %d examined, %d warnings, %d breaches",
                report.examined,
                report.warnings,
                report.breaches,
            )
        return report

    def run_forever(self, stop_event: threading.Event, poll_seconds: float = 30.0) -> None:
        """Sweep every ``poll_seconds`` until ``stop_event`` is set; outages are waited out."""
        while not stop_event.is_set():
            try:
                self.run_once()
            except SQLAlchemyError:
                log.exception("promise sweep failed; retrying in %.1f s", poll_seconds)
            stop_event.wait(poll_seconds)
