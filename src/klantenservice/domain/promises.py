"""Service promises (servicebeloftes, SLAs): policies, and clocks evaluated from case history.

A *policy* promises targets (first response, next response, resolution) for the cases it
matches by channel, priority and segment, counted in working time on a named business
calendar. A *clock* is never stored: ``evaluate_promises`` recomputes it from the case's event
history (``domain/promise_clocks.py`` reads the history; this module judges it), so every
clock can say where it stands and why (``PromiseClock.explanation``).

Rules a reader can rely on:

* A reply stamped exactly at the due instant keeps the promise; any later instant breaks it.
  A clock whose target is reached while running is breached at that instant (``breached_at``),
  however late it is evaluated, and a later pause, reply or resolution does not undo it.
* ``warn_at`` is the instant ``policy.warn_at`` (a share, default 0.8) of the target is used;
  from then until the breach a running clock is in state ``warning``.
* The caller passes the policy for the case's *current* priority (PRIORITY_CHANGED events
  re-target every clock, earlier time included); evaluation does not re-select it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from klantenservice.domain import promise_clocks as history
from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.promise_clocks import ClockRun, Measurement, Period, Phase, measure
from klantenservice.domain.vocabulary import Channel, Priority

_ZERO = timedelta(0)


class PromiseKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class ClockState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    WARNING = "warning"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class PromisePolicy:
    """Targets for the cases matching its non-None keys; None as a target = no promise."""

    name: str
    calendar: str
    channel: Channel | None = None
    priority: Priority | None = None
    segment: str | None = None
    first_response: timedelta | None = None
    next_response: timedelta | None = None
    resolution: timedelta | None = None
    warn_at: float = 0.8

    def __post_init__(self) -> None:
        if not self.name.strip() or not self.calendar.strip():
            raise ValidationError("a promise policy needs a name and a calendar name")
        if not 0 < self.warn_at < 1:
            raise ValidationError(
                f"warn_at of policy {self.name!r} is a share of the target between 0 and 1, "
                f"e.g. 0.8; got {self.warn_at}"
            )
        for kind in PromiseKind:
            target = self.target(kind)
            if target is not None and target <= _ZERO:
                raise ValidationError(f"{kind} target of policy {self.name!r} must be positive")

    def target(self, kind: PromiseKind) -> timedelta | None:
        targets = {
            PromiseKind.FIRST_RESPONSE: self.first_response,
            PromiseKind.NEXT_RESPONSE: self.next_response,
            PromiseKind.RESOLUTION: self.resolution,
        }
        return targets[kind]

    def matches(self, *, channel: Channel, priority: Priority, segment: str | None) -> bool:
        return (
            self.channel in (None, channel)
            and self.priority in (None, priority)
            and (self.segment is None or self.segment == segment)
        )

    def specificity(self) -> tuple[int, bool, bool, bool]:
        """Sort key, larger = more specific: key count, then priority, segment, channel."""
        named = (self.priority is not None, self.segment is not None, self.channel is not None)
        return (sum(named), *named)


def select_policy(
    policies: Iterable[PromisePolicy],
    *,
    channel: Channel,
    priority: Priority,
    segment: str | None,
) -> PromisePolicy | None:
    """The most specific matching policy, or None when none matches.

    Most specific = most matched keys. Ties go to the policy that names a priority (urgency
    decides what a customer may expect), then a segment, then a channel; a remaining tie goes
    to the alphabetically first name, then to the first in ``policies``, so the choice never
    depends on database order alone.
    """
    matching = [
        policy
        for policy in policies
        if policy.matches(channel=channel, priority=priority, segment=segment)
    ]
    if not matching:
        return None
    best = max(p.specificity() for p in matching)
    return min((p for p in matching if p.specificity() == best), key=lambda p: p.name)


@dataclass(frozen=True, slots=True)
class PromiseClock:
    """Where one promise stands at ``now``, and why. Durations are working time.

    ``due_at`` is the projected breach instant while running (the breach instant once
    breached; None while paused, met or not started). ``earlier_breaches`` counts breached
    next-response cycles before the one shown.
    """

    kind: PromiseKind
    state: ClockState
    target: timedelta
    elapsed: timedelta
    remaining: timedelta
    started_at: datetime | None
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    explanation: tuple[str, ...]
    breach_reason: str | None = None
    earlier_breaches: int = 0
    paused_since: datetime | None = None  # while paused: since when (waiting on the customer)


def evaluate_promises(
    history_events: Sequence[CaseEvent],
    policy: PromisePolicy,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    explain: bool = True,
) -> tuple[PromiseClock, ...]:
    """One clock per promise kind the policy has a target for, as they stand at ``now``.

    ``explain=False`` leaves ``explanation`` empty: for projections that store only due
    instants and states (a fifth of the work goes into the sentences).
    """
    if now.tzinfo is None:
        raise ValueError("now must be a tz-aware UTC datetime")
    if policy.calendar != calendar.name:
        raise ValueError(
            f"policy {policy.name!r} counts on calendar {policy.calendar!r}, not {calendar.name!r}"
        )
    events = history.events_until(history_events, now)
    readers = {
        PromiseKind.FIRST_RESPONSE: history.first_response_runs,
        PromiseKind.NEXT_RESPONSE: history.next_response_runs,
        PromiseKind.RESOLUTION: history.resolution_runs,
    }
    clocks = []
    for kind, read_runs in readers.items():
        target = policy.target(kind)
        if target is not None:
            runs = read_runs(events)
            clocks.append(
                evaluate_clock(
                    kind,
                    runs,
                    target=target,
                    warn_share=policy.warn_at,
                    calendar=calendar,
                    now=now,
                    explain=explain,
                )
            )
    return tuple(clocks)


def evaluate_clock(
    kind: PromiseKind,
    runs: Sequence[ClockRun],
    *,
    target: timedelta,
    warn_share: float,
    calendar: BusinessCalendar,
    now: datetime,
    explain: bool = True,
) -> PromiseClock:
    """The last run's clock; of earlier runs (next-response cycles) only breaches count."""
    if not runs:
        return _not_started(kind, target)
    run = runs[-1]
    measured = measure(run, target, target * warn_share, calendar, now)
    state = judge(run, measured, now)
    earlier = sum(
        judge(r, measure(r, target, target, calendar, now), now) is ClockState.BREACHED
        for r in runs[:-1]
    )
    story = _Story(calendar, kind, run, state, target, warn_share, measured, now)
    breached = state is ClockState.BREACHED
    return PromiseClock(
        kind=kind,
        state=state,
        target=target,
        elapsed=measured.elapsed,
        remaining=story.remaining,
        started_at=run.started_at,
        due_at=measured.reached_target_at if state in _WITH_DUE else None,
        warn_at=measured.reached_warning_at,
        met_at=run.stopped_at if state is ClockState.MET else None,
        breached_at=measured.reached_target_at if breached else None,
        explanation=story.explanation(earlier) if explain else (),
        breach_reason=story.breach_reason() if breached else None,
        earlier_breaches=earlier,
        paused_since=run.paused_since if state is ClockState.PAUSED else None,
    )


_WITH_DUE = frozenset({ClockState.RUNNING, ClockState.WARNING, ClockState.BREACHED})


def _not_started(kind: PromiseKind, target: timedelta) -> PromiseClock:
    why = (
        "no customer message is waiting for a next reply"
        if kind is PromiseKind.NEXT_RESPONSE
        else "the history has no 'created' event"
    )
    return PromiseClock(
        kind=kind,
        state=ClockState.NOT_STARTED,
        target=target,
        elapsed=_ZERO,
        remaining=target,
        started_at=None,
        due_at=None,
        warn_at=None,
        met_at=None,
        breached_at=None,
        explanation=(f"not started: {why}",),
    )


def judge(run: ClockRun, measured: Measurement, now: datetime) -> ClockState:
    """The state from the facts; the order of the checks is the precedence of the states."""
    due, stopped_at = measured.reached_target_at, run.stopped_at
    if stopped_at is not None:
        return ClockState.BREACHED if due is not None and due < stopped_at else ClockState.MET
    if due is not None and due < now:
        return ClockState.BREACHED
    if run.paused_since is not None:
        return ClockState.PAUSED
    warned = measured.reached_warning_at
    return ClockState.WARNING if warned is not None and warned <= now else ClockState.RUNNING


@dataclass(frozen=True, slots=True)
class _Story:
    """The sentences of ``PromiseClock.explanation``, in local time, durations as "2h10m"."""

    calendar: BusinessCalendar
    kind: PromiseKind
    run: ClockRun
    state: ClockState
    target: timedelta
    warn_share: float
    measured: Measurement
    now: datetime

    @property
    def remaining(self) -> timedelta:
        return max(self.target - self.measured.elapsed, _ZERO)

    def explanation(self, earlier_breaches: int) -> tuple[str, ...]:
        lines = [f"started {self.when(self.run.started_at)} when {self.run.start_cause}"]
        lines += [self.hold(p) for p in self.run.periods if _is_hold(p)]
        lines += self.closed_hours()
        lines.append(
            f"target {duration(self.target)} of working time on calendar "
            f"{self.calendar.name!r}: {duration(self.measured.elapsed)} counted, "
            f"{duration(self.remaining)} left"
        )
        lines.append(self.standing())
        if earlier_breaches:
            lines.append(f"{earlier_breaches} earlier {self.kind} cycle(s) of this case breached")
        return tuple(lines)

    def hold(self, period: Period) -> str:
        """Why a stretch did not count: waiting on the customer, or resolved until reopened."""
        if period.end is None:
            since = self.when(period.start)
            return f"paused since {since} while waiting on the customer ({period.status})"
        length, span = duration(period.end - period.start), self.span(period.start, period.end)
        if period.phase is Phase.PAUSED:
            return f"paused {length} while waiting on the customer ({period.status} {span})"
        return f"not counted for {length} while the case was {period.status} ({span})"

    def closed_hours(self) -> list[str]:
        """Running time the calendar did not count, and the closed days that explain it."""
        now, calendar = self.now, self.calendar
        intervals = [(start, end or now) for start, end in self.run.running_intervals()]
        closed = sum((end - start for start, end in intervals), _ZERO) - self.measured.elapsed
        if closed <= _ZERO:
            return []
        reasons: dict[str, None] = {}
        in_closed_days = _ZERO
        for start, end in intervals:
            for day, reason in calendar.closed_days_between(start, end):
                day_start, day_end = calendar.day_bounds(day)
                in_closed_days += min(end, day_end) - max(start, day_start)
                reasons[reason] = None
        if closed > in_closed_days:
            reasons = {"outside opening hours": None, **reasons}
        return [f"closed hours not counted: {duration(closed)} ({', '.join(reasons)})"]

    def standing(self) -> str:
        """Where the clock stands now: the last sentence, the one a dashboard shows."""
        due, stopped_at = self.measured.reached_target_at, self.run.stopped_at
        if self.state is ClockState.MET:
            return f"met at {self.when(stopped_at)} by {self.stop_cause()}"
        if self.state is ClockState.BREACHED:
            late = f"; {self.stop_cause()} came at {self.when(stopped_at)}" if stopped_at else ""
            return f"breached at {self.when(due)}: the target was used up while running{late}"
        if self.state is ClockState.PAUSED:
            return "no due time while the case waits on the customer"
        text = f"due {self.when(due)} if it keeps running"
        if not self.calendar.is_open(self.now):
            reopens = self.calendar.next_opening(self.now)
            text += f"; not counting now, open again {self.when(reopens)}"
        warned = self.measured.reached_warning_at
        if self.state is ClockState.WARNING:
            return f"warning since {self.when(warned)} ({self.warn_share:.0%} of target): {text}"
        return text

    def breach_reason(self) -> str:
        within = f"within {duration(self.target)} of working time"
        reached = f"; target reached at {self.when(self.measured.reached_target_at)}"
        if self.kind is PromiseKind.RESOLUTION:
            return f"the case was not resolved {within} after it was created{reached}"
        if self.kind is PromiseKind.FIRST_RESPONSE:
            return f"no agent reply {within} after the case was created{reached}"
        message = f"the customer's message of {self.when(self.run.started_at)}"
        return f"no agent reply {within} after {message}{reached}"

    def stop_cause(self) -> str:
        current = self.run.current
        if self.run.replied_at is not None or current is None:
            return "the agent's reply"
        return f"the status change to {current.status}"

    def when(self, at: datetime | None) -> str:
        return "-" if at is None else self.calendar.local(at).strftime("%Y-%m-%d %H:%M %Z")

    def span(self, start: datetime, end: datetime) -> str:
        first, last = self.calendar.local(start), self.calendar.local(end)
        if first.date() == last.date() and first.tzname() == last.tzname():
            return f"from {first:%Y-%m-%d %H:%M} to {last:%H:%M %Z}"
        return f"from {self.when(start)} to {self.when(end)}"


def _is_hold(period: Period) -> bool:
    """Pauses, and resolutions a reopen ended; a resolution still in force is the stop."""
    return period.phase is Phase.PAUSED or (
        period.phase is Phase.STOPPED and period.end is not None
    )


def duration(span: timedelta) -> str:
    """A duration for people: "2h10m", "4h", "45m", "30s"; hours are not folded into days."""
    minutes, seconds = divmod(int(span.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m{seconds:02d}s" if seconds else f"{minutes}m"
    return f"{seconds}s"
