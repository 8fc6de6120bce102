"""Column types: UTC datetimes that round-trip tz-aware on SQLite and PostgreSQL.

SQLite has no time-zone type; values are stored as naive UTC text and come back tz-aware UTC.
A naive datetime handed to the store is a bug (DESIGN.md convention 9) and is refused.

On SQLite the text is SQLAlchemy's ``YYYY-MM-DD HH:MM:SS.ffffff`` (compared as text in SQL, so
the format must never vary). ``fast_bind_processor``/``fast_result_processor`` give the
prepared statements of the hot path (``prepared.py``) the same conversion in one C call each
way (``isoformat``, ``fromisoformat``) instead of SQLAlchemy's generic string formatting and
regular expression; a test compares both value by value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use tz-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def fast_bind_processor(self, dialect: Dialect) -> Callable[[datetime], str] | None:
        return _sqlite_text if dialect.name == "sqlite" else None

    def fast_result_processor(self, dialect: Dialect) -> Callable[[str], datetime] | None:
        return _from_sqlite_text if dialect.name == "sqlite" else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_text(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; use tz-aware UTC")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _from_sqlite_text(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
