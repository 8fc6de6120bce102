"""The holidays adapter against the real ``holidays`` package: NL days the service is closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from klantenservice.adapters.calendars import build_calendar, holiday_container
from klantenservice.domain.errors import ValidationError

AMS = ZoneInfo("Europe/Amsterdam")
TWO_HOURS = timedelta(hours=2)


def ams(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=AMS).astimezone(UTC)


def test_dutch_holidays_include_kings_day_and_both_christmas_days() -> None:
    nl = holiday_container("NL")
    assert date(2026, 4, 27) in nl
    assert date(2026, 12, 25) in nl
    assert date(2026, 12, 26) in nl
    assert date(2026, 4, 28) not in nl


def test_kings_day_on_a_sunday_moves_to_the_saturday_before() -> None:
    nl = holiday_container("NL")
    assert date(2025, 4, 26) in nl
    assert date(2025, 4, 27) not in nl


def test_country_codes_are_case_insensitive() -> None:
    assert date(2026, 4, 27) in holiday_container("nl")


def test_an_unknown_country_code_is_refused_with_examples() -> None:
    with pytest.raises(ValidationError, match=r"no holiday calendar for country code 'XX'.*'NL'"):
        holiday_container("XX")


def test_an_unknown_subdivision_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValidationError, match=r"no subdivision 'ZZ'.*CA"):
        holiday_container("US", "ZZ")


def test_a_subdivision_adds_its_own_holidays() -> None:
    scotland = holiday_container("GB", "SCT")
    england = holiday_container("GB", "ENG")
    st_andrews_day_2025 = date(2025, 12, 1)  # 30 Nov is a Sunday: observed on Monday
    assert st_andrews_day_2025 in scotland
    assert st_andrews_day_2025 not in england


def test_the_nl_office_calendar_skips_kings_day() -> None:
    calendar = build_calendar("nl-office", country="NL")
    friday_19 = ams(2026, 4, 24, 19)
    assert calendar.add_working_time(friday_19, TWO_HOURS) == ams(2026, 4, 28, 9)
    assert calendar.closed_reason(date(2026, 4, 27)) == "holiday King's Day"


def test_the_nl_office_calendar_skips_christmas() -> None:
    calendar = build_calendar("nl-office", country="NL")
    christmas_eve_19 = ams(2026, 12, 24, 19)
    assert calendar.add_working_time(christmas_eve_19, TWO_HOURS) == ams(2026, 12, 28, 9)
    assert not calendar.is_open(ams(2026, 12, 25, 12))


def test_the_holiday_container_expands_to_every_year_a_clock_touches() -> None:
    calendar = build_calendar("nl-office", country="NL")
    assert not calendar.is_working_day(date(2031, 12, 25))
    assert not calendar.is_working_day(date(2019, 4, 27))


def test_build_calendar_takes_custom_weekly_hours_and_zone() -> None:
    weekday = ((time(9), time(17)),)
    calendar = build_calendar("uk", "Europe/London", (weekday,) * 5 + ((), ()), "GB", "ENG")
    boxing_day_2025 = date(2025, 12, 26)
    assert not calendar.is_working_day(boxing_day_2025)
    assert calendar.local(datetime(2026, 7, 1, 12, tzinfo=UTC)).hour == 13
