"""What the emergency lane needs from the store: ``EmergencyRepository``.

Kept apart from ``ports.py`` (like ``voice_ports.py``); ``ports.UnitOfWork.emergencies`` is of
this type and ``adapters/db/repositories/emergency.py`` implements it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from klantenservice.domain.emergency_reports import CardBlock, EmergencyReport
from klantenservice.domain.vocabulary import CaseId


@dataclass(frozen=True, slots=True)
class LaneCase:
    """An emergency case as the escalation sweep and the metrics see it."""

    case_id: CaseId
    reference: str
    reported_at: datetime
    contacted_at: datetime | None  # first AGENT_REPLY or CONTACTED event, None while none
    fired_levels: frozenset[int]
    closed: bool  # resolved or closed: the sweep leaves it alone


class EmergencyRepository(Protocol):
    def add_report(self, report: EmergencyReport) -> EmergencyReport:
        """Insert the report (never updated afterwards) and return it with its id."""
        ...

    def report(self, report_id: int) -> EmergencyReport | None: ...

    def report_by_reference(self, reference: str) -> EmergencyReport | None: ...

    def reports_for_case(self, case_id: CaseId) -> list[EmergencyReport]: ...

    def add_block(self, block: CardBlock) -> CardBlock: ...

    def block_for_report(self, report_id: int, *, for_update: bool = False) -> CardBlock | None: ...

    def save_block(self, block: CardBlock) -> None: ...

    def lane(
        self, *, reported_from: datetime, reported_until: datetime, open_only: bool
    ) -> list[LaneCase]:
        """Reported in [from, until), oldest first; ``open_only``: not resolved or closed."""
        ...

    def record_escalation(
        self, case_id: CaseId, *, level: int, due_at: datetime, fired_at: datetime
    ) -> bool:
        """Record a fired rung; False if that level was fired for the case already."""
        ...

    def purge_expired(self, now: datetime) -> int:
        """Delete reports (and their blocks) whose retention has passed; how many."""
        ...


__all__ = ["EmergencyRepository", "LaneCase"]
