"""Promise status of a case: select the policy, evaluate the clocks from the history, project.

The clocks themselves are computed in ``domain/promises.py`` from the case's events; this module
finds the inputs (policy for channel × priority × segment, the queue's calendar, the history of
the case and of cases merged into it) and keeps the ``promise_due_at`` projection current.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.cases import Case
from klantenservice.domain.events import CaseEvent
from klantenservice.domain.promises import (
    ClockState,
    PromiseClock,
    PromisePolicy,
    evaluate_promises,
    select_policy,
)
from klantenservice.services.ports import UnitOfWork

DEFAULT_CALENDAR = "office"

_RANK = {ClockState.BREACHED: 4, ClockState.WARNING: 3, ClockState.RUNNING: 2, ClockState.PAUSED: 1}


@dataclass(frozen=True, slots=True)
class PromiseStatus:
    policy: PromisePolicy | None
    calendar: str | None
    clocks: tuple[PromiseClock, ...]

    @property
    def next_due_at(self) -> datetime | None:
        running = [
            c.due_at
            for c in self.clocks
            if c.due_at is not None and c.state in (ClockState.RUNNING, ClockState.WARNING)
        ]
        return min(running, default=None)

    @property
    def worst_state(self) -> str | None:
        states = [c.state for c in self.clocks if c.state in _RANK]
        return max(states, key=_RANK.__getitem__).value if states else None


def calendar_for(uow: UnitOfWork, case: Case, policy: PromisePolicy) -> BusinessCalendar | None:
    """Business hours are per queue: the case's queue's calendar, else the policy's."""
    queue = uow.directory.get_queue(case.queue_id) if case.queue_id is not None else None
    return uow.directory.calendar(queue.calendar if queue else policy.calendar)


def policy_for(uow: UnitOfWork, case: Case) -> PromisePolicy | None:
    return select_policy(
        uow.directory.policies(),
        channel=case.channel,
        priority=case.priority,
        segment=case.segment,
    )


def evaluate(
    uow: UnitOfWork,
    case: Case,
    now: datetime,
    history: Sequence[CaseEvent] | None = None,
    *,
    explain: bool = True,
) -> PromiseStatus:
    policy = policy_for(uow, case)
    if policy is None:
        return PromiseStatus(None, None, ())
    calendar = calendar_for(uow, case, policy)
    if calendar is None:
        return PromiseStatus(policy, None, ())
    if history is None:
        history = uow.cases.history([case.id, *uow.cases.merged_into(case.id)])
    policy = replace(policy, calendar=calendar.name)
    ordered = sorted(history, key=lambda e: e.at)
    clocks = evaluate_promises(ordered, policy, calendar, now, explain=explain)
    return PromiseStatus(policy, calendar.name, clocks)


def refresh_projection(
    uow: UnitOfWork, case: Case, now: datetime, history: Sequence[CaseEvent] | None = None
) -> PromiseStatus:
    """Recompute the clocks and store the next due instant and worst state for list queries."""
    status = evaluate(uow, case, now, history, explain=False)
    uow.cases.set_promise_projection(case.id, due_at=status.next_due_at, state=status.worst_state)
    return status
