"""Promise clocks read from a case's history: when each clock ran, paused and stopped.

Nothing about a clock is stored; it is recomputed from the append-only ``CaseEvent`` history
(see ``domain/events.py``). This module answers the factual half: from when to when did the
first-response clock run, which of that time was paused, and how much working time that is on
a calendar (``measure``). ``domain/promises.py`` judges those facts against a policy (state,
due instant) and explains them in words.

Rules, in the order they apply:

* Only events at or before ``now`` count, in time order (ties keep the history's order), so
  evaluating at an earlier ``now`` replays the past exactly.
* The case status starts as ``new`` at CREATED; STATUS_CHANGED moves it to ``data["to"]``;
  REOPENED moves it to ``data.get("to", "open")``.
* While the status is ``pending_customer`` every clock is *paused*: the customer holds the ball.
* While the status is ``resolved`` or ``closed`` every clock is *stopped*; a reopen resumes the
  clocks that had not met their own stop event (the resolution clock; a response clock still
  waiting for a reply). Time between resolution and reopening never counts.
* first_response runs from CREATED to the first AGENT_REPLY or CONTACTED (a call answered, a
  call-back made). next_response cycles run from a CUSTOMER_MESSAGE that arrives after an
  agent has replied (and while no cycle is open) until the next AGENT_REPLY. resolution runs
  from CREATED and has no stop event of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.events import CaseEvent, CaseEventKind

PENDING_CUSTOMER = "pending_customer"
DONE_STATUSES = frozenset({"resolved", "closed"})
_ZERO = timedelta(0)


class Phase(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # waiting on the customer: the clock holds still
    STOPPED = "stopped"  # resolved or closed: the clock holds still until a reopen


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of one case status; ``end`` is None while it still lasts at ``now``."""

    phase: Phase
    status: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True, slots=True)
class ClockRun:
    """One instance of a clock: from its start event to its stop event (or to ``now``).

    ``periods`` cover ``[started_at, replied_at or now]`` without gaps; the clock counts
    working time only in the RUNNING ones.
    """

    started_at: datetime
    start_cause: str
    replied_at: datetime | None
    periods: tuple[Period, ...]

    @classmethod
    def clipped(
        cls, periods: Sequence[Period], start: datetime, cause: str, reply: datetime | None
    ) -> ClockRun:
        """A run over the case's status ``periods``, cut to its own start and reply."""
        return cls(start, cause, reply, clip(periods, start, reply))

    @property
    def current(self) -> Period | None:
        """The period still lasting at ``now``; None once the stop event happened."""
        last = self.periods[-1] if self.periods else None
        return last if last is not None and last.end is None else None

    @property
    def stopped_at(self) -> datetime | None:
        """The reply, or the start of the resolution the case currently rests in."""
        if self.replied_at is not None:
            return self.replied_at
        current = self.current
        return current.start if current and current.phase is Phase.STOPPED else None

    @property
    def paused_since(self) -> datetime | None:
        current = self.current
        return current.start if current and current.phase is Phase.PAUSED else None

    def running_intervals(self) -> tuple[tuple[datetime, datetime | None], ...]:
        """Where working time may count; an open end means "still running at ``now``"."""
        return tuple((p.start, p.end) for p in self.periods if p.phase is Phase.RUNNING)


def events_until(history: Iterable[CaseEvent], now: datetime) -> tuple[CaseEvent, ...]:
    """The facts known at ``now``, in time order; a stable sort keeps same-instant order."""
    return tuple(sorted((e for e in history if e.at <= now), key=lambda e: e.at))


def created_at(events: Sequence[CaseEvent]) -> datetime | None:
    return next((e.at for e in events if e.kind is CaseEventKind.CREATED), None)


def status_periods(events: Sequence[CaseEvent]) -> tuple[Period, ...]:
    """The case's status timeline from CREATED on; the last period is open-ended."""
    start = created_at(events)
    if start is None:
        return ()
    changes: list[tuple[datetime, str]] = [(start, "new")]
    for event in events:
        status = _new_status(event)
        if status is not None and event.at >= start and status != changes[-1][1]:
            changes.append((event.at, status))
    ends: list[datetime | None] = [at for at, _ in changes[1:]]
    ends.append(None)
    return tuple(
        Period(_phase(status), status, at, end)
        for (at, status), end in zip(changes, ends, strict=True)
        if end is None or end > at
    )


_FIRST_CONTACT = frozenset({CaseEventKind.AGENT_REPLY, CaseEventKind.CONTACTED})


def first_response_runs(events: Sequence[CaseEvent]) -> tuple[ClockRun, ...]:
    start = created_at(events)
    if start is None:
        return ()
    reply = next(  # a written reply, or an agent reaching the customer by voice
        (e.at for e in events if e.kind in _FIRST_CONTACT and e.at >= start), None
    )
    return (ClockRun.clipped(status_periods(events), start, "the case was created", reply),)


def resolution_runs(events: Sequence[CaseEvent]) -> tuple[ClockRun, ...]:
    start = created_at(events)
    if start is None:
        return ()
    return (ClockRun.clipped(status_periods(events), start, "the case was created", None),)


def next_response_runs(events: Sequence[CaseEvent]) -> tuple[ClockRun, ...]:
    """One run per cycle: a customer message after an agent reply, until the next reply."""
    start = created_at(events)
    if start is None:
        return ()
    cycles: list[tuple[datetime, datetime | None]] = []
    answered, waiting_since = False, None
    for event in (e for e in events if e.at >= start):
        if event.kind is CaseEventKind.AGENT_REPLY:
            if waiting_since is not None:
                cycles.append((waiting_since, event.at))
            answered, waiting_since = True, None
        elif event.kind is CaseEventKind.CUSTOMER_MESSAGE and answered and waiting_since is None:
            waiting_since = event.at
    if waiting_since is not None:
        cycles.append((waiting_since, None))
    cause, periods = "the customer wrote again after an agent's reply", status_periods(events)
    return tuple(ClockRun.clipped(periods, begin, cause, reply) for begin, reply in cycles)


def clip(periods: Sequence[Period], start: datetime, end: datetime | None) -> tuple[Period, ...]:
    """The part of ``periods`` inside ``[start, end]``; ``end=None`` keeps the open end."""
    clipped = []
    for period in periods:
        if end is not None and period.start >= end:
            break
        if period.end is not None and period.end <= start:
            continue
        stop = _earlier_end(period.end, end)
        clipped.append(Period(period.phase, period.status, max(period.start, start), stop))
    return tuple(clipped)


@dataclass(frozen=True, slots=True)
class Measurement:
    """The numbers of one clock run: working time so far and the threshold instants."""

    elapsed: timedelta
    reached_target_at: datetime | None  # historical, or projected while running
    reached_warning_at: datetime | None


def measure(
    run: ClockRun,
    target: timedelta,
    warning: timedelta,
    calendar: BusinessCalendar,
    now: datetime,
) -> Measurement:
    """Working time counted up to ``now`` and when ``target`` and ``warning`` are reached."""
    intervals = run.running_intervals()
    elapsed = sum(
        (
            calendar.working_time_between(start, now if end is None else end)
            for start, end in intervals
        ),
        _ZERO,
    )
    return Measurement(
        elapsed,
        reached_at(intervals, target, calendar),
        reached_at(intervals, warning, calendar),
    )


def reached_at(
    intervals: Sequence[tuple[datetime, datetime | None]],
    threshold: timedelta,
    calendar: BusinessCalendar,
) -> datetime | None:
    """When the running intervals accumulate ``threshold`` of working time, or None if never.

    An open-ended last interval (still running) projects the instant into the future.
    """
    counted = _ZERO
    for start, end in intervals:
        if end is not None:
            worked = calendar.working_time_between(start, end)
            if counted + worked < threshold:
                counted += worked
                continue
        return calendar.add_working_time(start, threshold - counted)
    return None


def _earlier_end(first: datetime | None, second: datetime | None) -> datetime | None:
    """The earlier of two ends, where None means "still open at ``now``"."""
    if first is None or second is None:
        return second if first is None else first
    return min(first, second)


def _new_status(event: CaseEvent) -> str | None:
    if event.kind is CaseEventKind.REOPENED:
        return str(event.data.get("to", "open"))
    if event.kind is not CaseEventKind.STATUS_CHANGED:
        return None
    if "to" not in event.data:
        raise ValueError(f"status_changed event at {event.at.isoformat()} has no 'to' status")
    return str(event.data["to"])


def _phase(status: str) -> Phase:
    if status == PENDING_CUSTOMER:
        return Phase.PAUSED
    return Phase.STOPPED if status in DONE_STATUSES else Phase.RUNNING


def customer_message_moves_clocks(
    awaiting_reply_since: datetime | None, events: Sequence[CaseEvent]
) -> bool:
    """Could a customer message with these ``events`` change any clock's due instant?

    Not when the case was already waiting for a reply to an earlier customer message
    (``awaiting_reply_since`` set) and the message only adds a CUSTOMER_MESSAGE: the
    first-response clock runs from CREATED, a next-response cycle starts only at the first
    customer message after a reply, and resolution ignores messages, so none of them moves.
    A status change (a pending case resumed, a resolved case reopened) or an unknown waiting
    state (None) means the clocks must be recomputed.
    """
    if awaiting_reply_since is None:
        return True
    return any(event.kind is not CaseEventKind.CUSTOMER_MESSAGE for event in events)
