"""Sweeping promise clocks: announce warnings and breaches that happen by time passing alone.

Clocks are recomputed from a case's history whenever the case changes
(``services/promises.refresh_projection``), but a clock also changes state when *nothing*
happens: it reaches its warning share, then its target. This use case finds the cases where
that may have happened, re-evaluates them and stores the projection again, and announces each
transition once through the outbox (``promise.warning``, ``promise.breached``), audited.

Which cases (an indexed range on ``cases.promise_due_at``):

- ``promise_due_at <= now``: a running clock reached its target (breach);
- ``promise_state = 'running'`` and ``promise_due_at <= horizon``: a warning may have begun.
  A clock with target ``T`` and warning share ``w`` warns once at most ``(1 - w) * T`` working
  time is left before its due instant, so its due instant lies before
  ``calendar.add_working_time(now, (1 - w) * T)``; the horizon is the latest of these over the
  configured policies and calendars. Cases inside the horizon whose warning has not begun yet
  are evaluated and left alone; they cost time, never a wrong event.

Once per transition, without storing more than the projection:

- **breach**: a clock is announced when its ``breached_at`` is at or after the stored
  ``promise_due_at``. The stored value is the earliest due instant of the clocks that were
  still running at the previous projection, and every clock already breached then had breached
  before it; so each clock breach is announced by exactly one sweep.
- **warning**: announced per clock in warning when the stored ``promise_state`` was not yet
  ``warning`` or ``breached`` (the case-level state moved up).

Known limit: a transition first observed by another use case's projection refresh (an agent
replies just after the due instant, before the sweep ran) updates the projection without an
announcement. Sweeping often (every 30 s) keeps that window small.

Each call handles one batch in one transaction; rows locked by a running use case are skipped
(``SKIP LOCKED``) and picked up by the next sweep. Lock order: case rows, then (at commit) the
audit head, as in every other use case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from klantenservice.domain.cases import Case
from klantenservice.domain.errors import DomainError
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.permissions import Permission
from klantenservice.domain.promises import ClockState, PromiseClock, PromiseKind
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import access
from klantenservice.services.ports import Actor, UnitOfWork
from klantenservice.services.promises import PromiseStatus, evaluate

DEFAULT_BATCH = 100
_ALREADY_WARNED = frozenset({ClockState.WARNING.value, ClockState.BREACHED.value})


@dataclass(frozen=True, slots=True)
class StoredProjection:
    """The projection columns of a case as stored before this sweep."""

    due_at: datetime | None
    state: str | None


@dataclass(frozen=True, slots=True)
class SweepCursor:
    """Keyset position in ``(promise_due_at, case id)`` order."""

    due_at: datetime
    case_id: CaseId


class PromiseProjections(Protocol):
    """The projection columns of ``cases``, for the sweep (``adapters/db/repositories``)."""

    def due_for_sweep(
        self,
        *,
        now: datetime,
        warn_horizon: datetime | None,
        after: SweepCursor | None,
        limit: int,
    ) -> list[tuple[Case, StoredProjection]]:
        """Cases due (or, if running, due before ``warn_horizon``), locked, skipping locked."""
        ...


class SweepUnitOfWork(UnitOfWork, Protocol):
    @property
    def projections(self) -> PromiseProjections: ...


@dataclass(frozen=True, slots=True)
class SweepBatch:
    examined: int
    warnings: int
    breaches: int
    next_after: SweepCursor | None  # None: nothing more to sweep now
    unreadable: tuple[CaseId, ...] = ()  # clocks could not be evaluated (configuration error)


def sweep_promises(
    uow: SweepUnitOfWork,
    *,
    actor: Actor,
    now: datetime,
    after: SweepCursor | None = None,
    limit: int = DEFAULT_BATCH,
) -> SweepBatch:
    """Re-evaluate one batch of cases whose clocks may have moved; announce what moved."""
    access.check(actor, Permission.CASE_WRITE)
    with uow:
        horizon = warning_horizon(uow, now)
        due = uow.projections.due_for_sweep(now=now, warn_horizon=horizon, after=after, limit=limit)
        warnings = breaches = 0
        unreadable: list[CaseId] = []
        for case, stored in due:
            try:
                status = evaluate(uow, case, now)
            except (DomainError, ValueError):  # bad configuration or history: one case must
                unreadable.append(case.id)  # not stop the sweep of all the others
                continue
            announced = _announce(uow, actor, case, stored, status, now)
            warnings += sum(1 for e in announced if e.topic == "promise.warning")
            breaches += sum(1 for e in announced if e.topic == "promise.breached")
            uow.cases.set_promise_projection(
                case.id, due_at=status.next_due_at, state=status.worst_state
            )
        uow.commit()
    next_after = None
    if len(due) == limit:
        last_case, last_stored = due[-1]
        assert last_stored.due_at is not None
        next_after = SweepCursor(last_stored.due_at, last_case.id)
    return SweepBatch(len(due), warnings, breaches, next_after, tuple(unreadable))


def warning_horizon(uow: UnitOfWork, now: datetime) -> datetime | None:
    """The latest due instant at which some configured clock could already be warning."""
    policies = uow.directory.policies()
    left = [
        target * (1 - policy.warn_at)
        for policy in policies
        for kind in PromiseKind
        if (target := policy.target(kind)) is not None
    ]
    if not left:
        return None
    names = {p.calendar for p in policies} | {q.calendar for q in uow.directory.queues()}
    calendars = [c for name in sorted(names) if (c := uow.directory.calendar(name)) is not None]
    return max((c.add_working_time(now, max(left)) for c in calendars), default=None)


def transitions(
    stored: StoredProjection, clocks: Sequence[PromiseClock]
) -> tuple[list[PromiseClock], list[PromiseClock]]:
    """The clocks to announce as newly warning, and as newly breached (see module docstring)."""
    warned = [c for c in clocks if c.state is ClockState.WARNING]
    if stored.state in _ALREADY_WARNED:
        warned = []
    breached = [
        c
        for c in clocks
        if c.state is ClockState.BREACHED
        and c.breached_at is not None
        and stored.due_at is not None
        and c.breached_at >= stored.due_at
    ]
    return warned, breached


def _announce(
    uow: UnitOfWork,
    actor: Actor,
    case: Case,
    stored: StoredProjection,
    status: PromiseStatus,
    now: datetime,
) -> list[DomainEvent]:
    warned, breached = transitions(stored, status.clocks)
    policy = status.policy.name if status.policy else None
    events = [
        _event("promise.warning", case, clock, policy, "warn_at", clock.warn_at, now)
        for clock in warned
    ] + [
        _event("promise.breached", case, clock, policy, "breached_at", clock.breached_at, now)
        for clock in breached
    ]
    for event in events:
        uow.audit.record(
            actor=actor,
            action=event.topic,
            subject_type="case",
            subject_id=case.id,
            at=now,
            details={k: v for k, v in event.payload.items() if k != "case_id"},
        )
    uow.outbox.add_all(events)
    return events


def _event(
    topic: str,
    case: Case,
    clock: PromiseClock,
    policy: str | None,
    instant_name: str,
    instant: datetime | None,
    now: datetime,
) -> DomainEvent:
    due = clock.due_at.isoformat() if clock.due_at else None
    payload = {
        "case_id": case.id,
        "promise": clock.kind.value,
        "policy": policy,
        instant_name: instant.isoformat() if instant else None,
        "due_at": due,
        "elapsed_seconds": int(clock.elapsed / timedelta(seconds=1)),
        "target_seconds": int(clock.target / timedelta(seconds=1)),
    }
    return DomainEvent(topic, payload, now)
