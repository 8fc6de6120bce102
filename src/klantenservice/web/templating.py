"""Jinja2 templates of the web pages, one environment per locale.

Each locale gets its own ``Environment`` with its gettext installed (``jinja2.ext.i18n``,
new-style: ``_("Hello %(name)s", name=...)`` escapes its arguments), and filters that format
dates, times and numbers with Babel in that locale and in the configured time zone. One
environment per locale instead of swapping translations per request keeps rendering free of
shared mutable state (requests run on several threads); the cost is compiling each template
twice, once per language.

Autoescaping is on for every template: message bodies and names are rendered as text, never
as HTML. ``StrictUndefined`` turns a misspelt variable into an error in the tests instead of an
empty string on a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_timedelta
from babel.numbers import format_decimal
from babel.support import Translations
from babel.units import format_unit
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


class Templates:
    """Renders ``templates/<name>`` in a locale; build once per application."""

    def __init__(self, translations: Mapping[str, Translations], *, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self.translations = translations
        self._environments = {
            locale: self._environment(locale, catalogue)
            for locale, catalogue in translations.items()
        }

    def _environment(self, locale: str, catalogue: Translations) -> Environment:
        environment = Environment(
            loader=PackageLoader("klantenservice.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
        zone = self.zone
        environment.filters.update(
            datetime=lambda value, form="short": format_datetime(
                value, form, tzinfo=zone, locale=locale
            ),
            date=lambda value, form="medium": format_date(
                value.astimezone(zone).date(), form, locale=locale
            ),
            number=lambda value: format_decimal(value, locale=locale),
            relative=lambda value, now: relative_time(value, now, locale),
            isoformat=lambda value: value.astimezone(UTC).isoformat(),
            filesize=lambda value: file_size(value, locale),
        )
        environment.globals["locale"] = locale
        return environment

    def render(self, locale: str, name: str, context: Mapping[str, Any]) -> str:
        return self._environments[locale].get_template(name).render(context)

    def gettext(self, locale: str, message: str) -> str:
        return self.translations[locale].gettext(message)


def file_size(size: int, locale: str) -> str:
    """``512 byte``, ``2,5 kB``, ``26,2 MB`` (SI units, one decimal, in the page's language)."""
    value, unit = float(size), "byte"
    for bigger in ("kilobyte", "megabyte", "gigabyte"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return format_unit(value, f"digital-{unit}", length="short", format="#,##0.#", locale=locale)


def relative_time(value: datetime, now: datetime, locale: str) -> str:
    """``in 2 hours`` / ``3 minutes ago`` (``over 2 uur`` / ``3 minuten geleden``)."""
    delta: timedelta = value - now
    return format_timedelta(delta, threshold=1.5, add_direction=True, locale=locale)
