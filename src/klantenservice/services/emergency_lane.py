"""The emergency lane over time: the escalation sweep and time to human.

``sweep_escalations`` runs every few seconds in the worker (``workers/emergency_alerts.py``).
For each open emergency without human contact it fires the rungs of the ladder that came due
(``domain/emergency.due_steps``): a row in ``emergency_escalations`` (unique per case and level,
so two sweepers never alert twice), an audit record with the due and fired instants, and the
outbox event ``emergency.escalated`` that the alerter turns into e-mail, SMS and webhook calls.

``lane_metrics`` is what the supervisor view and ``GET /api/v1/emergency/metrics`` show: time to
human for each emergency reported in a window and the share within the 10-minute promise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.cases import format_reference
from klantenservice.domain.emergency import (
    DEFAULT_LADDER,
    HUMAN_CONTACT_TARGET,
    EscalationStep,
    due_steps,
    within_promise,
)
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import access
from klantenservice.services.emergency_ports import LaneCase
from klantenservice.services.ports import SYSTEM, Actor, UnitOfWork

SWEEP_HORIZON = timedelta(hours=24)  # a rung that came due while the worker was down still fires


@dataclass(frozen=True, slots=True)
class Escalated:
    case_id: CaseId
    reference: str
    level: int
    due_at: datetime
    fired_at: datetime


def sweep_escalations(
    uow: UnitOfWork, *, now: datetime, ladder: Sequence[EscalationStep] = DEFAULT_LADDER
) -> list[Escalated]:
    """Fire every rung due by ``now`` for open emergencies nobody has contacted yet."""
    fired: list[Escalated] = []
    with uow:
        lane = uow.emergencies.lane(
            reported_from=now - SWEEP_HORIZON, reported_until=now, open_only=True
        )
        for case in lane:
            for step in due_steps(
                case.reported_at, case.contacted_at, case.fired_levels, now, ladder
            ):
                due_at = case.reported_at + step.after
                if not uow.emergencies.record_escalation(
                    case.case_id, level=step.level, due_at=due_at, fired_at=now
                ):
                    continue  # another sweeper fired it first
                fired.append(Escalated(case.case_id, case.reference, step.level, due_at, now))
                _announce(uow, case, step, due_at, now)
        uow.commit()
    return fired


def _announce(
    uow: UnitOfWork, case: LaneCase, step: EscalationStep, due_at: datetime, now: datetime
) -> None:
    details = {
        "reference": case.reference,
        "level": step.level,
        "after_minutes": int(step.after.total_seconds() // 60),
        "reported_at": case.reported_at.isoformat(),
        "due_at": due_at.isoformat(),
        "fired_at": now.isoformat(),
    }
    uow.audit.record(
        actor=SYSTEM,
        action="emergency.escalated",
        subject_type="case",
        subject_id=case.case_id,
        at=now,
        details=details,
    )
    payload = {"case_id": case.case_id, "case_reference": format_reference(case.case_id)}
    uow.outbox.add(DomainEvent("emergency.escalated", {**payload, **details}, now))


@dataclass(frozen=True, slots=True)
class LaneEntry:
    case_id: CaseId
    reference: str
    reported_at: datetime
    time_to_human: timedelta | None  # None: nobody has made contact yet
    waiting: timedelta | None  # open without contact: how long so far
    within_promise: bool | None  # None while still waiting inside the 10 minutes
    escalated_levels: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LaneMetrics:
    since: datetime
    until: datetime
    emergencies: int
    contacted: int
    within_target: int
    breached: int  # contacted late, or still waiting past the target
    share_within: float | None  # of the emergencies whose outcome is known
    median_seconds: float | None
    p90_seconds: float | None
    max_seconds: float | None
    entries: tuple[LaneEntry, ...]


def lane_metrics(
    uow: UnitOfWork, *, actor: Actor, since: datetime, until: datetime, now: datetime
) -> LaneMetrics:
    """Time to human per emergency reported in [since, until), and the share within 10 min."""
    access.check(actor, Permission.QUEUE_SUPERVISE)
    with uow:
        lane = uow.emergencies.lane(reported_from=since, reported_until=until, open_only=False)
    entries = tuple(_entry(case, now) for case in lane)
    return summarise(entries, since=since, until=until)


def _entry(case: LaneCase, now: datetime) -> LaneEntry:
    taken = None if case.contacted_at is None else case.contacted_at - case.reported_at
    waiting = None
    if taken is None and not case.closed:
        waiting = now - case.reported_at
    if taken is not None:
        kept: bool | None = within_promise(taken)
    elif waiting is not None and waiting > HUMAN_CONTACT_TARGET:
        kept = False
    elif case.closed:
        kept = False  # closed without any human contact: the promise was not kept
    else:
        kept = None
    return LaneEntry(
        case_id=case.case_id,
        reference=case.reference,
        reported_at=case.reported_at,
        time_to_human=taken,
        waiting=waiting,
        within_promise=kept,
        escalated_levels=tuple(sorted(case.fired_levels)),
    )


def summarise(entries: tuple[LaneEntry, ...], *, since: datetime, until: datetime) -> LaneMetrics:
    times = sorted(e.time_to_human.total_seconds() for e in entries if e.time_to_human is not None)
    known = [e for e in entries if e.within_promise is not None]
    within = sum(1 for e in known if e.within_promise)
    return LaneMetrics(
        since=since,
        until=until,
        emergencies=len(entries),
        contacted=len(times),
        within_target=within,
        breached=len(known) - within,
        share_within=within / len(known) if known else None,
        median_seconds=_quantile(times, 0.5),
        p90_seconds=_quantile(times, 0.9),
        max_seconds=times[-1] if times else None,
        entries=entries,
    )


def _quantile(ordered: list[float], share: float) -> float | None:
    """Nearest-rank quantile (a value that occurred, as a supervisor reads it)."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return ordered[int(rank) - 1]
