"""Service promises: clocks evaluated from case histories (policy selection: test_promise_policies).

Instants are Amsterdam wall-clock times (``ams``); the calendar is Mon-Fri 08:00-20:00 with
King's Day 2026 (Monday 27 April) as a named holiday. 2 March 2026 is a Monday.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.promises import (
    ClockState,
    PromiseClock,
    PromiseKind,
    PromisePolicy,
    duration,
    evaluate_promises,
)

AMS = ZoneInfo("Europe/Amsterdam")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
CALENDAR = BusinessCalendar.office_hours("nl-office", holidays={date(2026, 4, 27): "King's Day"})
POLICY = PromisePolicy(
    "standard",
    calendar="nl-office",
    first_response=4 * HOUR,
    next_response=2 * HOUR,
    resolution=16 * HOUR,
)


def ams(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A 2026 Amsterdam wall-clock time as a UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=AMS).astimezone(UTC)


def created(at: datetime) -> CaseEvent:
    return CaseEvent(CaseEventKind.CREATED, at)


def reply(at: datetime) -> CaseEvent:
    return CaseEvent(CaseEventKind.AGENT_REPLY, at)


def customer(at: datetime) -> CaseEvent:
    return CaseEvent(CaseEventKind.CUSTOMER_MESSAGE, at)


def status(at: datetime, old: str, new: str) -> CaseEvent:
    return CaseEvent(CaseEventKind.STATUS_CHANGED, at, {"from": old, "to": new})


def clock(
    history: Sequence[CaseEvent],
    kind: PromiseKind,
    now: datetime,
    policy: PromisePolicy = POLICY,
    calendar: BusinessCalendar = CALENDAR,
) -> PromiseClock:
    clocks = evaluate_promises(history, policy, calendar, now)
    return next(c for c in clocks if c.kind is kind)


# -- first response ----------------------------------------------------------------------------


def test_a_reply_within_four_working_hours_meets_the_first_response_promise() -> None:
    history = [created(ams(3, 2, 9)), reply(ams(3, 2, 12, 30))]
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 2, 15))
    assert result.state is ClockState.MET
    assert result.met_at == ams(3, 2, 12, 30)
    assert result.elapsed == 3 * HOUR + 30 * MINUTE
    assert result.remaining == 30 * MINUTE
    assert result.breached_at is None
    assert result.breach_reason is None


def test_a_reply_exactly_at_the_due_instant_keeps_the_promise() -> None:
    history = [created(ams(3, 2, 9)), reply(ams(3, 2, 13))]
    assert clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 2, 15)).state is ClockState.MET


def test_a_late_reply_breaches_at_the_instant_the_target_was_reached() -> None:
    history = [created(ams(3, 2, 9)), reply(ams(3, 2, 14))]
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 3, 9))
    assert result.state is ClockState.BREACHED
    assert result.breached_at == ams(3, 2, 13)
    assert result.elapsed == 5 * HOUR
    assert result.breach_reason == (
        "no agent reply within 4h of working time after the case was created; "
        "target reached at 2026-03-02 13:00 CET"
    )


def test_a_clock_without_a_reply_is_breached_at_the_target_instant_however_late_it_is_read() -> (
    None
):
    history = [created(ams(3, 2, 9))]
    for now in (ams(3, 2, 13, 1), ams(3, 9, 12), ams(6, 1, 12)):
        result = clock(history, PromiseKind.FIRST_RESPONSE, now)
        assert (result.state, result.breached_at) == (ClockState.BREACHED, ams(3, 2, 13))


def test_a_running_clock_projects_its_due_instant_over_closed_hours() -> None:
    history = [created(ams(3, 6, 18))]  # Friday 18:00: 2 h today, 2 h on Monday
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 6, 19))
    assert result.state is ClockState.RUNNING
    assert result.elapsed == HOUR
    assert result.due_at == ams(3, 9, 10)
    assert result.explanation[-1] == "due 2026-03-09 10:00 CET if it keeps running"


def test_a_running_clock_read_while_closed_says_when_counting_resumes() -> None:
    history = [created(ams(3, 6, 18))]
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 7, 12))
    assert result.elapsed == 2 * HOUR
    assert result.explanation[-1].endswith("not counting now, open again 2026-03-09 08:00 CET")


def test_events_after_now_are_not_known_yet() -> None:
    history = [created(ams(3, 2, 9)), reply(ams(3, 2, 12))]
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 2, 11))
    assert (result.state, result.elapsed) == (ClockState.RUNNING, 2 * HOUR)


# -- warning -----------------------------------------------------------------------------------


def test_the_clock_warns_once_80_percent_of_the_target_is_used() -> None:
    policy = PromisePolicy("fast", calendar="nl-office", first_response=HOUR)
    history = [created(ams(3, 2, 9))]
    before = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 2, 9, 47), policy)
    at_share = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 2, 9, 48), policy)
    assert before.state is ClockState.RUNNING
    assert before.warn_at == ams(3, 2, 9, 48)
    assert at_share.state is ClockState.WARNING
    assert at_share.due_at == ams(3, 2, 10)
    assert at_share.explanation[-1].startswith("warning since 2026-03-02 09:48 CET (80% of target)")


def test_the_warning_share_is_configurable_and_must_be_a_share() -> None:
    policy = PromisePolicy("early", calendar="nl-office", first_response=HOUR, warn_at=0.5)
    result = clock([created(ams(3, 2, 9))], PromiseKind.FIRST_RESPONSE, ams(3, 2, 9, 30), policy)
    assert result.state is ClockState.WARNING
    for share in (0.0, 1.0, 1.5):
        with pytest.raises(ValidationError, match="between 0 and 1"):
            PromisePolicy("bad", calendar="nl-office", warn_at=share)


# -- pauses ------------------------------------------------------------------------------------


PAUSED_HISTORY = [
    created(ams(3, 2, 9)),
    status(ams(3, 2, 12), "new", "open"),
    status(ams(3, 2, 14), "open", "pending_customer"),
    status(ams(3, 2, 16, 10), "pending_customer", "open"),
]


def test_time_waiting_on_the_customer_does_not_count() -> None:
    result = clock(PAUSED_HISTORY, PromiseKind.FIRST_RESPONSE, ams(3, 2, 16, 40))
    assert result.elapsed == 5 * HOUR + 30 * MINUTE
    assert result.state is ClockState.BREACHED
    assert result.breached_at == ams(3, 2, 13)


def test_the_pause_moves_the_due_instant_by_its_length() -> None:
    result = clock(PAUSED_HISTORY, PromiseKind.RESOLUTION, ams(3, 2, 17))
    # 5 h worked before the pause and 50 min after it: 10h10m left, from 17:00 on Monday.
    assert result.elapsed == 5 * HOUR + 50 * MINUTE
    assert result.due_at == ams(3, 3, 15, 10)


def test_a_paused_clock_has_no_due_instant_and_says_why() -> None:
    history = PAUSED_HISTORY[:3]
    result = clock(history, PromiseKind.RESOLUTION, ams(3, 3, 10))
    assert result.state is ClockState.PAUSED
    assert result.due_at is None
    assert result.elapsed == 5 * HOUR
    assert (
        "paused since 2026-03-02 14:00 CET while waiting on the customer (pending_customer)"
        in result.explanation
    )


def test_the_explanation_tells_how_long_and_when_the_clock_was_paused() -> None:
    result = clock(PAUSED_HISTORY, PromiseKind.RESOLUTION, ams(3, 2, 17))
    assert result.explanation[:2] == (
        "started 2026-03-02 09:00 CET when the case was created",
        "paused 2h10m while waiting on the customer "
        "(pending_customer from 2026-03-02 14:00 to 16:10 CET)",
    )


def test_a_pause_after_the_breach_does_not_undo_it() -> None:
    history = [
        created(ams(3, 2, 9)),
        status(ams(3, 2, 14), "new", "pending_customer"),
    ]
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 2, 15))
    assert (result.state, result.breached_at) == (ClockState.BREACHED, ams(3, 2, 13))


# -- next response -----------------------------------------------------------------------------


CONVERSATION = [
    created(ams(3, 2, 9)),
    reply(ams(3, 2, 10)),
    customer(ams(3, 2, 11)),
    customer(ams(3, 2, 11, 30)),  # a second message does not restart the cycle
    reply(ams(3, 2, 14)),  # 3 h after 11:00: the first cycle breached at 13:00
    customer(ams(3, 3, 9)),
]


def test_next_response_has_not_started_before_the_customer_writes_after_a_reply() -> None:
    history = [created(ams(3, 2, 9)), customer(ams(3, 2, 9, 30)), reply(ams(3, 2, 10))]
    result = clock(history, PromiseKind.NEXT_RESPONSE, ams(3, 2, 12))
    assert result.state is ClockState.NOT_STARTED
    assert result.started_at is None
    assert result.remaining == 2 * HOUR


def test_next_response_shows_the_current_cycle_and_counts_earlier_breaches() -> None:
    result = clock(CONVERSATION, PromiseKind.NEXT_RESPONSE, ams(3, 3, 10))
    assert result.state is ClockState.RUNNING
    assert result.started_at == ams(3, 3, 9)
    assert result.due_at == ams(3, 3, 11)
    assert result.earlier_breaches == 1
    assert result.explanation[-1] == "1 earlier next_response cycle(s) of this case breached"


def test_a_next_response_cycle_ends_at_the_next_reply() -> None:
    result = clock(CONVERSATION[:5], PromiseKind.NEXT_RESPONSE, ams(3, 2, 15))
    assert result.state is ClockState.BREACHED
    assert result.started_at == ams(3, 2, 11)
    assert result.breached_at == ams(3, 2, 13)
    assert result.earlier_breaches == 0
    assert "after the customer's message of 2026-03-02 11:00 CET" in (result.breach_reason or "")


def test_a_next_response_in_time_is_met() -> None:
    history = [*CONVERSATION, reply(ams(3, 3, 10, 30))]
    result = clock(history, PromiseKind.NEXT_RESPONSE, ams(3, 3, 12))
    assert (result.state, result.met_at, result.earlier_breaches) == (
        ClockState.MET,
        ams(3, 3, 10, 30),
        1,
    )


# -- resolution --------------------------------------------------------------------------------


REOPENED_HISTORY = [
    created(ams(3, 2, 9)),
    reply(ams(3, 2, 10)),
    status(ams(3, 2, 15), "open", "resolved"),
    CaseEvent(CaseEventKind.REOPENED, ams(3, 4, 9), {"from": "resolved", "to": "open"}),
]


def test_resolving_the_case_meets_the_resolution_promise() -> None:
    result = clock(REOPENED_HISTORY[:3], PromiseKind.RESOLUTION, ams(3, 3, 12))
    assert (result.state, result.met_at, result.elapsed) == (
        ClockState.MET,
        ams(3, 2, 15),
        6 * HOUR,
    )
    assert result.explanation[-1] == "met at 2026-03-02 15:00 CET by the status change to resolved"


def test_a_reopened_case_resumes_the_resolution_clock_without_the_resolved_time() -> None:
    result = clock(REOPENED_HISTORY, PromiseKind.RESOLUTION, ams(3, 4, 12))
    assert result.state is ClockState.RUNNING
    assert result.elapsed == 9 * HOUR
    assert result.met_at is None
    assert result.due_at == ams(3, 4, 19)
    assert (
        "not counted for 42h while the case was resolved "
        "(from 2026-03-02 15:00 CET to 2026-03-04 09:00 CET)" in result.explanation
    )


def test_a_reopened_case_breaches_when_the_total_passes_the_target() -> None:
    result = clock(REOPENED_HISTORY, PromiseKind.RESOLUTION, ams(3, 5, 9))
    assert (result.state, result.breached_at) == (ClockState.BREACHED, ams(3, 4, 19))
    assert result.breach_reason == (
        "the case was not resolved within 16h of working time after it was created; "
        "target reached at 2026-03-04 19:00 CET"
    )


def test_closing_the_case_stops_a_first_response_clock_without_reply() -> None:
    history = [created(ams(3, 2, 9)), status(ams(3, 2, 10), "new", "closed")]
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 3, 9))
    assert (result.state, result.met_at) == (ClockState.MET, ams(3, 2, 10))


# -- explanations of closed hours --------------------------------------------------------------


def test_the_explanation_names_the_weekend_and_the_holiday_that_were_not_counted() -> None:
    history = [created(ams(4, 24, 19))]  # Friday before King's Day
    result = clock(history, PromiseKind.RESOLUTION, ams(4, 28, 9))
    assert result.elapsed == 2 * HOUR
    assert (
        "closed hours not counted: 84h (outside opening hours, weekend, holiday King's Day)"
        in result.explanation
    )


def test_a_24_7_clock_counts_the_short_dst_night_as_real_time() -> None:
    always = BusinessCalendar.always_open("fraud")
    policy = PromisePolicy("fraud", calendar="fraud", first_response=10 * MINUTE, resolution=HOUR)
    history = [created(ams(3, 29, 1, 55))]  # 01:55 CET; 02:00 becomes 03:00 CEST
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 29, 3, 1), policy, always)
    assert result.elapsed == 6 * MINUTE
    assert result.due_at == ams(3, 29, 3, 5)


# -- evaluation contract -----------------------------------------------------------------------


def test_only_kinds_with_a_target_get_a_clock() -> None:
    policy = PromisePolicy("chat", calendar="nl-office", first_response=5 * MINUTE)
    clocks = evaluate_promises([created(ams(3, 2, 9))], policy, CALENDAR, ams(3, 2, 9, 1))
    assert [c.kind for c in clocks] == [PromiseKind.FIRST_RESPONSE]


def test_a_history_without_created_event_has_clocks_that_have_not_started() -> None:
    clocks = evaluate_promises([], POLICY, CALENDAR, ams(3, 2, 9))
    assert {c.state for c in clocks} == {ClockState.NOT_STARTED}


def test_a_priority_change_alone_does_not_move_the_clock_the_caller_passes_the_new_policy() -> None:
    change: dict[str, Any] = {"from": "normal", "to": "high"}
    history = [
        created(ams(3, 2, 9)),
        CaseEvent(CaseEventKind.PRIORITY_CHANGED, ams(3, 2, 10), change),
    ]
    urgent = PromisePolicy("urgent", calendar="nl-office", first_response=HOUR)
    result = clock(history, PromiseKind.FIRST_RESPONSE, ams(3, 2, 11), urgent)
    assert (result.state, result.breached_at) == (ClockState.BREACHED, ams(3, 2, 10))


def test_a_policy_evaluated_on_another_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="counts on calendar 'nl-office'"):
        evaluate_promises([], POLICY, BusinessCalendar.always_open("fraud"), ams(3, 2, 9))


def test_a_target_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="must be positive"):
        PromisePolicy("zero", calendar="nl-office", resolution=timedelta(0))


def test_durations_read_like_people_write_them() -> None:
    spans = [2 * HOUR + 10 * MINUTE, 4 * HOUR, 45 * MINUTE, timedelta(seconds=30), 84 * HOUR]
    assert [duration(span) for span in spans] == ["2h10m", "4h", "45m", "30s", "84h"]


# -- properties --------------------------------------------------------------------------------

START = ams(3, 2, 9)  # Monday 09:00
WINDOW_MS = 14 * 24 * 3600 * 1000  # two weeks, so weekends and King's Day-free weeks mix in
offsets = st.integers(0, WINDOW_MS)


@st.composite
def pause_windows(draw: st.DrawFn) -> list[tuple[datetime, datetime]]:
    """Disjoint pending-customer windows after creation, in time order."""
    points = sorted(draw(st.lists(offsets, min_size=2, max_size=8, unique=True)))
    pairs = list(zip(points[::2], points[1::2], strict=False))
    return [
        (START + timedelta(milliseconds=a), START + timedelta(milliseconds=b)) for a, b in pairs
    ]


def _history(
    windows: Sequence[tuple[datetime, datetime]], talk: Sequence[CaseEvent]
) -> list[CaseEvent]:
    events = [created(START), *talk]
    for begin, end in windows:
        events += [
            status(begin, "open", "pending_customer"),
            status(end, "pending_customer", "open"),
        ]
    return events


talks = st.lists(
    st.tuples(st.sampled_from([reply, customer]), offsets).map(
        lambda pair: pair[0](START + timedelta(milliseconds=pair[1]))
    ),
    max_size=6,
)
PROPERTY = settings(max_examples=50, deadline=None)


@PROPERTY
@given(windows=pause_windows(), talk=talks, now_ms=offsets, drop=st.integers(0, 3))
def test_property_a_pause_never_adds_working_time_to_a_clock(
    windows: list[tuple[datetime, datetime]], talk: list[CaseEvent], now_ms: int, drop: int
) -> None:
    """For a history H and one of its pause windows W: elapsed(H without W) >= elapsed(H).

    Said the other way round: adding a pause never makes a clock's elapsed working time larger,
    removing one never makes it smaller; and the difference is at most the working time of W.
    """
    if not windows:
        return
    now = START + timedelta(milliseconds=now_ms)
    kept = [w for i, w in enumerate(windows) if i != drop % len(windows)]
    dropped = windows[drop % len(windows)]
    with_pause = evaluate_promises(_history(windows, talk), POLICY, CALENDAR, now)
    without = evaluate_promises(_history(kept, talk), POLICY, CALENDAR, now)
    allowance = CALENDAR.working_time_between(*dropped)
    for paused, free in zip(with_pause, without, strict=True):
        assert paused.elapsed <= free.elapsed
        assert free.elapsed - paused.elapsed <= allowance


@PROPERTY
@given(windows=pause_windows(), talk=talks, first_ms=offsets, later_ms=offsets)
def test_property_a_breach_is_final_and_keeps_its_instant(
    windows: list[tuple[datetime, datetime]], talk: list[CaseEvent], first_ms: int, later_ms: int
) -> None:
    history = _history(windows, talk)
    first = START + timedelta(milliseconds=min(first_ms, later_ms))
    later = START + timedelta(milliseconds=max(first_ms, later_ms))
    before = evaluate_promises(history, POLICY, CALENDAR, first)
    after = evaluate_promises(history, POLICY, CALENDAR, later)
    for early, late in zip(before, after, strict=True):
        if early.state is ClockState.BREACHED and early.kind is not PromiseKind.NEXT_RESPONSE:
            assert (late.state, late.breached_at) == (ClockState.BREACHED, early.breached_at)
        assert late.elapsed >= early.elapsed or late.kind is PromiseKind.NEXT_RESPONSE
