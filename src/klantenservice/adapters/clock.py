"""The wall clock: the only place that reads the current time (DESIGN.md convention 13).

Everything else receives ``now`` as an argument, so tests pass a fixed clock and every deadline
is reproducible. ``SystemClock`` implements the ``Clock`` port of ``services/ports.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """The real time, tz-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
