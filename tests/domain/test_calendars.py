"""Business calendars: opening hours, closed days and daylight saving, with plain instants.

Instants are written as Amsterdam wall-clock times (``ams``) because that is how the rules
are stated; the calendar receives and returns UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klantenservice.domain.calendars import BusinessCalendar
from klantenservice.domain.errors import ValidationError

AMS = ZoneInfo("Europe/Amsterdam")
KINGS_DAY_2026 = date(2026, 4, 27)  # a Monday
CHRISTMAS_2026 = frozenset({date(2026, 12, 25), date(2026, 12, 26)})
HOURS = timedelta(hours=1)


def ams(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An Amsterdam wall-clock time as the UTC instant the calendar works with."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS).astimezone(UTC)


OFFICE = BusinessCalendar.office_hours("nl-office")  # Mon-Fri 08:00-20:00
OFFICE_WITH_SATURDAY = BusinessCalendar.office_hours("nl-office-sat", saturday=(time(9), time(17)))
ALWAYS = BusinessCalendar.always_open()


# -- office hours ------------------------------------------------------------------------------


def test_two_working_hours_from_friday_19_00_end_monday_09_00() -> None:
    assert OFFICE.add_working_time(ams(2026, 3, 6, 19), 2 * HOURS) == ams(2026, 3, 9, 9)


def test_with_saturday_hours_the_same_two_hours_end_saturday_10_00() -> None:
    assert OFFICE_WITH_SATURDAY.add_working_time(ams(2026, 3, 6, 19), 2 * HOURS) == ams(
        2026, 3, 7, 10
    )


def test_work_that_fits_exactly_is_due_at_closing_time_not_at_the_next_opening() -> None:
    assert OFFICE.add_working_time(ams(2026, 3, 6, 19), HOURS) == ams(2026, 3, 6, 20)


def test_adding_from_a_closed_moment_starts_counting_at_the_next_opening() -> None:
    assert OFFICE.add_working_time(ams(2026, 3, 7, 12), 30 * timedelta(minutes=1)) == ams(
        2026, 3, 9, 8, 30
    )


def test_adding_nothing_returns_the_start_unchanged() -> None:
    assert OFFICE.add_working_time(ams(2026, 3, 7, 12), timedelta(0)) == ams(2026, 3, 7, 12)


def test_a_weekend_holds_no_working_time() -> None:
    assert OFFICE.working_time_between(ams(2026, 3, 6, 20), ams(2026, 3, 9, 8)) == timedelta(0)


def test_working_time_over_a_weekend_counts_friday_evening_and_monday_morning() -> None:
    friday_19, monday_10 = ams(2026, 3, 6, 19), ams(2026, 3, 9, 10)
    assert OFFICE.working_time_between(friday_19, monday_10) == 3 * HOURS


def test_an_inverted_interval_holds_no_working_time() -> None:
    assert OFFICE.working_time_between(ams(2026, 3, 9, 12), ams(2026, 3, 9, 10)) == timedelta(0)


def test_the_opening_instant_is_open_and_the_closing_instant_is_not() -> None:
    assert OFFICE.is_open(ams(2026, 3, 9, 8))
    assert not OFFICE.is_open(ams(2026, 3, 9, 20))
    assert not OFFICE.is_open(ams(2026, 3, 9, 7, 59))


def test_next_opening_after_friday_closing_is_monday_08_00() -> None:
    assert OFFICE.next_opening(ams(2026, 3, 6, 21)) == ams(2026, 3, 9, 8)


def test_next_opening_of_an_open_moment_is_that_moment() -> None:
    assert OFFICE.next_opening(ams(2026, 3, 9, 10, 15)) == ams(2026, 3, 9, 10, 15)


def test_a_lunch_break_splits_the_day_into_two_intervals() -> None:
    day = ((time(9), time(12)), (time(13), time(17)))
    calendar = BusinessCalendar("lunch", (day,) * 5 + ((), ()))
    assert calendar.add_working_time(ams(2026, 3, 9, 11), 2 * HOURS) == ams(2026, 3, 9, 14)
    assert not calendar.is_open(ams(2026, 3, 9, 12, 30))


def test_a_year_of_office_hours_is_counted_day_by_day_exactly() -> None:
    start, end = date(2026, 1, 1), date(2027, 1, 1)
    weekdays = sum((start + timedelta(n)).weekday() < 5 for n in range((end - start).days))
    total = OFFICE.working_time_between(ams(2026, 1, 1), ams(2027, 1, 1))
    assert total == weekdays * 12 * HOURS


def test_a_long_span_is_added_in_one_go() -> None:
    # 261 weekdays in 2026, 12 hours each: the whole year's working time ends at the last close.
    assert OFFICE.add_working_time(ams(2026, 1, 1), 261 * 12 * HOURS) == ams(2026, 12, 31, 20)


# -- holidays ----------------------------------------------------------------------------------


def test_kings_day_is_skipped() -> None:
    calendar = BusinessCalendar.office_hours("nl", holidays=frozenset({KINGS_DAY_2026}))
    friday_19 = ams(2026, 4, 24, 19)
    assert calendar.add_working_time(friday_19, 2 * HOURS) == ams(2026, 4, 28, 9)
    assert not calendar.is_open(ams(2026, 4, 27, 12))


def test_christmas_and_the_weekend_after_it_are_skipped() -> None:
    calendar = BusinessCalendar.office_hours("nl", holidays=CHRISTMAS_2026)
    christmas_eve_19 = ams(2026, 12, 24, 19)
    assert calendar.add_working_time(christmas_eve_19, 2 * HOURS) == ams(2026, 12, 28, 9)


def test_a_closed_day_is_explained_by_its_holiday_name_when_the_container_knows_it() -> None:
    named = {KINGS_DAY_2026: "King's Day"}
    calendar = BusinessCalendar.office_hours("nl", holidays=named)
    assert calendar.closed_reason(KINGS_DAY_2026) == "holiday King's Day"
    assert calendar.closed_reason(date(2026, 4, 25)) == "weekend"
    assert calendar.closed_reason(date(2026, 4, 28)) is None


def test_a_plain_set_of_holidays_gives_no_name() -> None:
    calendar = BusinessCalendar.office_hours("nl", holidays=frozenset({KINGS_DAY_2026}))
    assert calendar.closed_reason(KINGS_DAY_2026) == "holiday"
    assert not calendar.is_working_day(KINGS_DAY_2026)


def test_closed_days_between_lists_whole_closed_days_touching_the_interval() -> None:
    calendar = BusinessCalendar.office_hours("nl", holidays={KINGS_DAY_2026: "King's Day"})
    closed = calendar.closed_days_between(ams(2026, 4, 24, 19), ams(2026, 4, 28, 9))
    assert closed == (
        (date(2026, 4, 25), "weekend"),
        (date(2026, 4, 26), "weekend"),
        (KINGS_DAY_2026, "holiday King's Day"),
    )


def test_a_weekday_without_hours_is_closed_by_name() -> None:
    week = (((time(9), time(17)),),) * 2 + ((),) + (((time(9), time(17)),),) * 2 + ((), ())
    calendar = BusinessCalendar("no-wednesday", week)
    assert calendar.closed_reason(date(2026, 3, 11)) == "closed on Wednesday"


# -- daylight saving ---------------------------------------------------------------------------


def test_the_spring_forward_day_has_23_hours_on_a_24_7_calendar() -> None:
    assert ALWAYS.working_time_between(ams(2026, 3, 29), ams(2026, 3, 30)) == 23 * HOURS


def test_the_fall_back_day_has_25_hours_on_a_24_7_calendar() -> None:
    assert ALWAYS.working_time_between(ams(2026, 10, 25), ams(2026, 10, 26)) == 25 * HOURS


def test_24_hours_on_a_24_7_calendar_is_real_elapsed_time_across_spring_forward() -> None:
    # Real time: noon + 24 h lands at 13:00 local because the night lost an hour.
    assert ALWAYS.add_working_time(ams(2026, 3, 28, 12), 24 * HOURS) == ams(2026, 3, 29, 13)


def test_24_hours_on_a_24_7_calendar_is_real_elapsed_time_across_fall_back() -> None:
    assert ALWAYS.add_working_time(ams(2026, 10, 24, 12), 24 * HOURS) == ams(2026, 10, 25, 11)


def test_office_hours_stay_wall_clock_hours_across_spring_forward() -> None:
    # Friday in winter time, Monday in summer time: both open 08:00-20:00 local.
    assert OFFICE.add_working_time(ams(2026, 3, 27, 19), 2 * HOURS) == ams(2026, 3, 30, 9)
    assert OFFICE.working_time_between(ams(2026, 3, 27, 8), ams(2026, 3, 30, 20)) == 24 * HOURS


def test_office_hours_stay_wall_clock_hours_across_fall_back() -> None:
    assert OFFICE.add_working_time(ams(2026, 10, 23, 19), 2 * HOURS) == ams(2026, 10, 26, 9)
    assert OFFICE.working_time_between(ams(2026, 10, 23, 8), ams(2026, 10, 26, 20)) == 24 * HOURS


def test_night_hours_through_the_fall_back_hour_count_the_repeated_hour() -> None:
    sunday_night = ((time(0), time(6)),)
    calendar = BusinessCalendar("night", ((),) * 6 + (sunday_night,))
    assert calendar.working_time_between(ams(2026, 10, 25), ams(2026, 10, 26)) == 7 * HOURS


def test_day_bounds_of_the_dst_days_are_23_and_25_hours_apart() -> None:
    spring_start, spring_end = ALWAYS.day_bounds(date(2026, 3, 29))
    autumn_start, autumn_end = ALWAYS.day_bounds(date(2026, 10, 25))
    assert (spring_end - spring_start, autumn_end - autumn_start) == (23 * HOURS, 25 * HOURS)


# -- configuration errors ----------------------------------------------------------------------


def test_an_unknown_time_zone_is_refused_with_an_example() -> None:
    with pytest.raises(ValidationError, match="Europe/Amsterdam"):
        BusinessCalendar.always_open(timezone="Europe/Utrecht")


def test_overlapping_intervals_are_refused() -> None:
    day = ((time(9), time(13)), (time(12), time(17)))
    with pytest.raises(ValidationError, match="overlap"):
        BusinessCalendar("bad", (day,) * 7)


def test_an_interval_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValidationError, match="empty"):
        BusinessCalendar.office_hours("bad", weekdays=(time(20), time(8)))


def test_a_calendar_that_is_never_open_is_refused() -> None:
    with pytest.raises(ValidationError, match="never open"):
        BusinessCalendar("shut", ((),) * 7)


def test_a_week_needs_seven_days() -> None:
    with pytest.raises(ValidationError, match="7 weekdays"):
        BusinessCalendar("short", (((time(9), time(17)),),) * 5)


def test_a_calendar_closed_by_its_holidays_for_ten_years_says_so() -> None:
    class EveryDay:
        def __contains__(self, day: object) -> bool:
            return True

    calendar = BusinessCalendar.office_hours("holiday-forever", holidays=EveryDay())
    with pytest.raises(ValidationError, match="no opening hours"):
        calendar.add_working_time(ams(2026, 1, 1), HOURS)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 9, 10)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="tz-aware"):
        OFFICE.is_open(naive)


def test_negative_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        OFFICE.add_working_time(ams(2026, 3, 9, 10), -HOURS)


# -- properties --------------------------------------------------------------------------------

YEAR_START = ams(2026, 1, 1)
MS_IN_YEAR = 365 * 24 * 3600 * 1000
DAYS_2026 = [date(2026, 1, 1) + timedelta(n) for n in range(365)]

instants_2026 = st.integers(0, MS_IN_YEAR).map(lambda ms: YEAR_START + timedelta(milliseconds=ms))
spans = st.integers(0, 21 * 24 * 3600 * 1000).map(lambda ms: timedelta(milliseconds=ms))
holiday_sets = st.frozensets(st.sampled_from(DAYS_2026), max_size=40)
business_calendars = st.builds(
    lambda holidays, saturday: BusinessCalendar.office_hours(
        "prop", saturday=(time(9), time(17)) if saturday else None, holidays=holidays
    ),
    holiday_sets,
    st.booleans(),
)
PROPERTY = settings(max_examples=80, deadline=None)


def _closed(calendar: BusinessCalendar, day: date) -> bool:
    """Weekend days without hours, and holidays: worked out here, not by the calendar."""
    weekend_without_hours = day.weekday() >= 5 and not calendar.weekly_hours[day.weekday()]
    return weekend_without_hours or day in calendar.holidays


def _without_closed_days(
    calendar: BusinessCalendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` with every weekend and holiday day (midnight to midnight) cut out."""
    first, last = calendar.local(start).date(), calendar.local(end).date()
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    pieces, cursor = [], start
    for day in (d for d in days if _closed(calendar, d)):
        day_start, day_end = calendar.day_bounds(day)
        if day_start > cursor:
            pieces.append((cursor, min(day_start, end)))
        cursor = max(cursor, day_end)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


@PROPERTY
@given(calendar=business_calendars, start=instants_2026, span=spans)
def test_property_weekends_and_holidays_add_no_working_time_to_any_interval(
    calendar: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    end = start + span
    pieces = _without_closed_days(calendar, start, end)
    cut = sum((calendar.working_time_between(a, b) for a, b in pieces), timedelta(0))
    assert calendar.working_time_between(start, end) == cut


@PROPERTY
@given(calendar=business_calendars, at=instants_2026)
def test_property_no_instant_on_a_weekend_or_holiday_is_open(
    calendar: BusinessCalendar, at: datetime
) -> None:
    if _closed(calendar, calendar.local(at).date()):
        assert not calendar.is_open(at)


@PROPERTY
@given(
    calendar=business_calendars,
    start=instants_2026,
    work=st.integers(1, 200 * 3600 * 1000).map(lambda ms: timedelta(milliseconds=ms)),
)
def test_property_added_working_time_never_ends_inside_a_closed_period(
    calendar: BusinessCalendar, start: datetime, work: timedelta
) -> None:
    due = calendar.add_working_time(start, work)
    last_moment = due - timedelta.resolution  # the working time accrued right up to ``due``
    assert calendar.is_open(last_moment)
    assert not _closed(calendar, calendar.local(last_moment).date())
    assert calendar.working_time_between(start, due) == work


DST_WEEKS = (ams(2026, 3, 25), ams(2026, 10, 21), ams(2027, 3, 24), ams(2027, 10, 27))
dst_instants = st.builds(
    lambda base, ms: base + timedelta(milliseconds=ms),
    st.sampled_from(DST_WEEKS),
    st.integers(0, 7 * 24 * 3600 * 1000),
)
dst_spans = st.integers(0, 4 * 24 * 3600 * 1000).map(lambda ms: timedelta(milliseconds=ms))


@PROPERTY
@given(start=dst_instants, span=dst_spans)
def test_property_24_7_working_time_is_real_elapsed_time_across_dst(
    start: datetime, span: timedelta
) -> None:
    assert ALWAYS.working_time_between(start, start + span) == span
    assert ALWAYS.add_working_time(start, span) == start + span


@PROPERTY
@given(
    calendar=st.sampled_from([ALWAYS, OFFICE, OFFICE_WITH_SATURDAY]),
    start=dst_instants,
    work=dst_spans,
)
def test_property_adding_then_measuring_working_time_round_trips_across_dst(
    calendar: BusinessCalendar, start: datetime, work: timedelta
) -> None:
    due = calendar.add_working_time(start, work)
    assert calendar.working_time_between(start, due) == work
