"""Shapes of the phone figures (``GET /api/v1/voice/stats``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from klantenservice.domain.calls import CallStats
from klantenservice.web.schemas.common import ResponseModel


def _seconds(span: timedelta | None) -> float | None:
    return round(span.total_seconds(), 3) if span is not None else None


class CallStatsOut(ResponseModel):
    """Calls that started in ``[start, end)``; durations in seconds, null when nothing to measure.

    ``abandonment_rate`` = ``abandoned`` / calls that reached a queue and left it (answered,
    abandoned or call-back); a call-back request is not abandonment.
    """

    start: datetime
    end: datetime
    calls: int
    in_progress: int
    ended_in_ivr: int
    queued: int
    answered: int
    abandoned: int
    callbacks: int
    abandonment_rate: float | None
    average_wait_seconds: float | None
    longest_wait_seconds: float | None
    average_abandoned_wait_seconds: float | None
    average_handle_seconds: float | None

    @classmethod
    def of(cls, stats: CallStats, start: datetime, end: datetime) -> CallStatsOut:
        return cls(
            start=start,
            end=end,
            calls=stats.calls,
            in_progress=stats.in_progress,
            ended_in_ivr=stats.ended_in_ivr,
            queued=stats.queued,
            answered=stats.answered,
            abandoned=stats.abandoned,
            callbacks=stats.callbacks,
            abandonment_rate=stats.abandonment_rate,
            average_wait_seconds=_seconds(stats.average_wait),
            longest_wait_seconds=_seconds(stats.longest_wait),
            average_abandoned_wait_seconds=_seconds(stats.average_abandoned_wait),
            average_handle_seconds=_seconds(stats.average_handle),
        )
