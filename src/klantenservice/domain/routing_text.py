"""Wording shared by routing's explanations (``domain/routing.py``, ``domain/reservation.py``).

Plain English, as audited: the reasons are stored with each assignment and shown to staff.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def plural(n: int, noun: str) -> str:
    """``1 case``, ``3 cases``: nouns with a regular plural only."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def ago(moment: datetime | None, now: datetime) -> str:
    return "never assigned before" if moment is None else f"last {duration(now - moment)} ago"


def duration(span: timedelta) -> str:
    """``45s``, ``12m``, ``1h05m``: waits as a person reads them."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}m"
