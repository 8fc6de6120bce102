"""Business calendars: when the service is open, so that promise clocks count only working time.

A promise such as "first response within 4 working hours" is measured on a calendar: weekly
opening hours in local wall-clock time, a time zone, and a set of closed days (national
holidays). The calendar turns that into instants so the rest of the domain never deals with
zones: every datetime in and out is tz-aware UTC; conversion to local time happens only here.

Invariants and choices, each for a reason:

* Opening hours are local wall-clock times (an office opens at 08:00 whether it is summer or
  winter time). Each local day's intervals are converted to UTC instants once, so a
  daylight-saving night is handled by ``zoneinfo``: a 24/7 calendar counts real elapsed time
  (the spring-forward day holds 23 hours, the fall-back day 25).
* Holidays and days without opening hours never count. ``holidays`` is any ``Container[date]``:
  the adapter passes a ``holidays`` library object (it expands years lazily); tests pass a
  ``frozenset``. If the container is also a ``Mapping`` (the library's is), its values name the
  holiday in explanations.
* Work is done per day, never per minute, so spans of months stay cheap.
* An interval ending at ``00:00`` means "until midnight" (24:00), because ``time`` cannot say
  24:00. Intervals do not cross midnight: split a night shift over two days.
* A wall-clock time that does not exist (02:30 on the spring-forward night) resolves as
  ``zoneinfo`` does with ``fold=0``; an ambiguous one (fall-back night) is its first occurrence.
"""

from __future__ import annotations

import calendar as _weekdays
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from klantenservice.domain.errors import ValidationError

DEFAULT_TIMEZONE = "Europe/Amsterdam"
MIDNIGHT = time(0)
# Search horizon for the next open moment: a calendar shut for ten years is a configuration
# error, and the bound keeps a bad holiday container from looping forever.
SEARCH_DAYS = 3660
_ZERO = timedelta(0)
REMEMBERED_DAYS = 4096  # per calendar; about eleven years of days

Interval = tuple[time, time]
DayHours = tuple[Interval, ...]
Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Weekly opening hours (index 0 = Monday) in ``timezone``, minus ``holidays``."""

    name: str
    weekly_hours: tuple[DayHours, ...]
    holidays: Container[date] = frozenset()
    timezone: str = DEFAULT_TIMEZONE
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    # A day's spans never change for one calendar (it is frozen): every due time of every case
    # asks for the same few weeks of days, so remember them (bounded, see _day_spans).
    _spans: dict[date, tuple[Span, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", _load_zone(self.timezone))
        _validate_week(self.name, self.weekly_hours)

    # -- standard constructors ------------------------------------------------------------

    @classmethod
    def always_open(
        cls,
        name: str = "24/7",
        *,
        timezone: str = DEFAULT_TIMEZONE,
        holidays: Container[date] = frozenset(),
    ) -> BusinessCalendar:
        """Open every hour of every day: the fraud lane, where real elapsed time counts."""
        whole_day: DayHours = ((MIDNIGHT, MIDNIGHT),)
        return cls(name, (whole_day,) * 7, holidays, timezone)

    @classmethod
    def office_hours(
        cls,
        name: str,
        *,
        weekdays: Interval = (time(8), time(20)),
        saturday: Interval | None = None,
        sunday: Interval | None = None,
        timezone: str = DEFAULT_TIMEZONE,
        holidays: Container[date] = frozenset(),
    ) -> BusinessCalendar:
        """Same hours Monday to Friday, optional Saturday and Sunday hours (e.g. 09:00-17:00)."""
        week: list[DayHours] = [(weekdays,)] * 5
        week.append((saturday,) if saturday else ())
        week.append((sunday,) if sunday else ())
        return cls(name, tuple(week), holidays, timezone)

    # -- questions about instants -----------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` is working time (opening instants included, closing excluded)."""
        at = _utc(at)
        return any(start <= at < end for start, end in self._spans_around(at))

    def next_opening(self, at: datetime) -> datetime:
        """``at`` itself when open, else the first instant after it when the service opens."""
        at = _utc(at)
        for start, end in self._spans_from(at):
            if end > at:
                return max(start, at)
        raise self._never_open(at)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time in ``[start, end)``; zero when the interval is empty or inverted."""
        start, end = _utc(start), _utc(end)
        total = _ZERO
        if end <= start:
            return total
        last_day = self.local(end).date()
        for span_start, span_end in self._spans_between(self.local(start).date(), last_day):
            overlap = min(span_end, end) - max(span_start, start)
            if overlap > _ZERO:
                total += overlap
        return total

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant at which ``duration`` of working time has passed since ``start``.

        A duration that fits exactly into an opening period ends at its closing instant (due
        "by close of business"), not at the next opening. Zero returns ``start`` unchanged.
        """
        start = _utc(start)
        if duration < _ZERO:
            raise ValueError("working time to add must not be negative")
        remaining = duration
        if remaining == _ZERO:
            return start
        for span_start, span_end in self._spans_from(start):
            begin = max(span_start, start)
            available = span_end - begin
            if available <= _ZERO:
                continue
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise self._never_open(start)

    # -- questions about days -------------------------------------------------------------

    def local(self, at: datetime) -> datetime:
        """``at`` in the calendar's zone: for display and for finding the local day."""
        return _utc(at).astimezone(self._zone)

    def is_working_day(self, day: date) -> bool:
        """Whether the local ``day`` has opening hours and is not a holiday (business days)."""
        return self.closed_reason(day) is None

    def closed_reason(self, day: date) -> str | None:
        """Why the whole local ``day`` is closed ("holiday King's Day", "weekend"), or None."""
        if day in self.holidays:
            name = self.holiday_name(day)
            return f"holiday {name}" if name else "holiday"
        if self.weekly_hours[day.weekday()]:
            return None
        if day.weekday() >= 5:
            return "weekend"
        return f"closed on {_weekdays.day_name[day.weekday()]}"

    def holiday_name(self, day: date) -> str | None:
        """The holiday's name when the container knows names (a ``Mapping``), else None."""
        if isinstance(self.holidays, Mapping) and day in self.holidays:
            return str(self.holidays[day])
        return None

    def day_bounds(self, day: date) -> Span:
        """The UTC instants of the local ``day``'s midnights (23 or 25 hours apart on DST days)."""
        start = datetime.combine(day, MIDNIGHT, tzinfo=self._zone)
        end = datetime.combine(day + timedelta(1), MIDNIGHT, tzinfo=self._zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def closed_days_between(self, start: datetime, end: datetime) -> tuple[tuple[date, str], ...]:
        """Local days touching ``[start, end)`` that are closed all day, with the reason."""
        if end <= start:
            return ()
        first, last = self.local(start).date(), self.local(end - timedelta.resolution).date()
        days = (first + timedelta(n) for n in range((last - first).days + 1))
        return tuple((day, reason) for day in days if (reason := self.closed_reason(day)))

    # -- spans: one local day's opening intervals as UTC instants ----------------------------

    def _day_spans(self, day: date) -> tuple[Span, ...]:
        found = self._spans.get(day)
        if found is None:
            if len(self._spans) >= REMEMBERED_DAYS:
                self._spans.clear()
            found = self._spans[day] = self._compute_day_spans(day)
        return found

    def _compute_day_spans(self, day: date) -> tuple[Span, ...]:
        if day in self.holidays:
            return ()
        spans = []
        for opens, closes in self.weekly_hours[day.weekday()]:
            close_day = day + timedelta(1) if closes == MIDNIGHT else day
            start = datetime.combine(day, opens, tzinfo=self._zone).astimezone(UTC)
            end = datetime.combine(close_day, closes, tzinfo=self._zone).astimezone(UTC)
            if end > start:
                spans.append((start, end))
        return tuple(spans)

    def _spans_between(self, first: date, last: date) -> Iterator[Span]:
        # One day of margin: a day's spans can reach into the neighbouring UTC date.
        day = first - timedelta(1)
        while day <= last:
            yield from self._day_spans(day)
            day += timedelta(1)

    def _spans_from(self, at: datetime) -> Iterator[Span]:
        first = self.local(at).date()
        return self._spans_between(first, first + timedelta(SEARCH_DAYS))

    def _spans_around(self, at: datetime) -> Iterator[Span]:
        day = self.local(at).date()
        return self._spans_between(day, day + timedelta(1))

    def _never_open(self, at: datetime) -> ValidationError:
        return ValidationError(
            f"calendar {self.name!r} has no opening hours in the {SEARCH_DAYS} days after "
            f"{at.isoformat()}; check its weekly hours and holidays"
        )


def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"unknown time zone {name!r}; use an IANA name such as 'Europe/Amsterdam'"
        ) from None


def _validate_week(name: str, week: tuple[DayHours, ...]) -> None:
    """Reject hours that would make working time ambiguous, with a message naming the day."""
    if len(week) != 7:
        raise ValidationError(f"calendar {name!r} needs opening hours for 7 weekdays")
    if not any(week):
        raise ValidationError(f"calendar {name!r} is never open; give at least one interval")
    for weekday, intervals in enumerate(week):
        previous_end = MIDNIGHT
        for opens, closes in intervals:
            day = _weekdays.day_name[weekday]
            if opens.tzinfo is not None or closes.tzinfo is not None:
                raise ValidationError(f"{day} hours in {name!r} must be local times without zone")
            ends_at_midnight = closes == MIDNIGHT
            if not ends_at_midnight and closes <= opens:
                raise ValidationError(f"{day} interval {opens}-{closes} in {name!r} is empty")
            if opens < previous_end:
                raise ValidationError(f"{day} intervals in {name!r} overlap or are out of order")
            previous_end = time.max if ends_at_midnight else closes


def _utc(at: datetime) -> datetime:
    """``at`` in UTC, so that adding a timedelta is real elapsed time, not wall-clock time."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("calendars take tz-aware datetimes (UTC); got a naive one")
    return at.astimezone(UTC)
