"""National holidays for business calendars, from the ``holidays`` package.

The only module that imports ``holidays``: the domain's ``BusinessCalendar`` accepts any
``Container[date]``, so the domain stays pure and tests use plain frozensets. The library's
object expands years lazily on ``date in obj``, so one container serves every year a clock
touches, and it maps each date to a name the clock explanations can show.

Names come in English (``en_US``) by default so explanations do not depend on the server's
locale; pass ``language="nl"`` for Dutch names.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date

import holidays

from klantenservice.domain.calendars import DEFAULT_TIMEZONE, BusinessCalendar, DayHours
from klantenservice.domain.errors import ValidationError


def holiday_container(
    country: str, subdivision: str | None = None, *, language: str = "en_US"
) -> Container[date]:
    """Public holidays of ``country`` (ISO 3166 alpha-2, e.g. "NL", "GB", "US")."""
    code = country.strip().upper()
    supported = holidays.list_supported_countries()
    if code not in supported:
        raise ValidationError(
            f"no holiday calendar for country code {country!r}; use an ISO 3166 alpha-2 code "
            "such as 'NL', 'GB' or 'US'"
        )
    try:
        return holidays.country_holidays(code, subdiv=subdivision, language=language)
    except NotImplementedError:
        known = ", ".join(supported[code]) or "none"
        raise ValidationError(
            f"country {code} has no subdivision {subdivision!r} in the holiday calendar; "
            f"known subdivisions: {known}"
        ) from None


def build_calendar(
    name: str,
    timezone: str = DEFAULT_TIMEZONE,
    weekly_hours: tuple[DayHours, ...] | None = None,
    country: str = "NL",
    subdivision: str | None = None,
) -> BusinessCalendar:
    """A calendar with the country's holidays; default hours are Mon-Fri 08:00-20:00."""
    closed_days = holiday_container(country, subdivision)
    if weekly_hours is None:
        return BusinessCalendar.office_hours(name, timezone=timezone, holidays=closed_days)
    return BusinessCalendar(name, weekly_hours, closed_days, timezone)
