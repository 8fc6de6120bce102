"""Phone figures for supervisors: wait, handle time and abandonment of a period's calls."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from klantenservice.services import voice
from klantenservice.web.deps import CurrentActor, Uow
from klantenservice.web.schemas.voice import CallStatsOut

router = APIRouter(prefix="/voice", tags=["voice"])

Instant = Annotated[AwareDatetime, Query(description="ISO 8601 with a time zone")]


@router.get("/stats")
def call_stats(actor: CurrentActor, uow: Uow, start: Instant, end: Instant) -> CallStatsOut:
    """Calls that started in ``[start, end)`` (at most 366 days): supervisors and admins.

    Counts and durations only: no caller's number or name, so reading them is not a view of
    anyone's record.
    """
    stats = voice.call_statistics(uow(read_only=True), actor=actor, start=start, end=end)
    return CallStatsOut.of(stats, start, end)
