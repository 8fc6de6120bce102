"""What incident mode needs from the store: the ``IncidentRepository`` port.

Kept apart from ``ports.py`` (like ``voice_ports.py``); ``ports.UnitOfWork.incidents`` is of this
type and ``adapters/db/repositories/incidents.py`` implements it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from klantenservice.domain.incidents import Incident
from klantenservice.domain.vocabulary import CaseId, Channel, QueueId


class IncidentRepository(Protocol):
    def add(self, incident: Incident) -> Incident:
        """Store a new incident; its queue defaults to ``incident-<id>`` when none was named."""
        ...

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident | None: ...
    def update(self, incident: Incident) -> None: ...
    def active(self) -> list[Incident]:
        """The incidents not ended, oldest first: read once per intake batch."""
        ...

    def recent(self, *, limit: int) -> list[Incident]: ...
    def contacts_by_channel(self, start: datetime, end: datetime) -> dict[Channel, int]:
        """Customer messages received in ``[start, end]``, per channel."""
        ...

    def cases_with_contacts(self, start: datetime, end: datetime) -> list[CaseId]:
        """Cases that received a customer message in ``[start, end]``."""
        ...

    def staff_like(self, queue_id: QueueId, template_id: QueueId) -> int:
        """Let every agent of ``template_id`` work ``queue_id`` too; how many joined."""
        ...
