"""Incidents in the store (``services/incident_ports.IncidentRepository``).

``active`` is what the intake reads once per batch: an indexed ``ended_at IS NULL`` over a table
of a few rows. The report's reads (``contacts_by_channel``, ``cases_with_contacts``) range over
``messages.created_at`` within the incident's window; they run once when an incident ends or a
supervisor opens its report, never on the intake path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import agents, incidents, messages
from klantenservice.domain.incidents import Incident, IncidentKind, default_queue_name
from klantenservice.domain.vocabulary import CaseId, Channel, Direction, QueueId


def _values(incident: Incident) -> dict[str, Any]:
    return {
        "kind": incident.kind.value,
        "message_nl": incident.message_nl,
        "message_en": incident.message_en,
        "channels": sorted(c.value for c in incident.channels),
        "products": list(incident.products),
        "offer_callbacks": incident.offer_callbacks,
        "queue": incident.queue,
        "declared_at": incident.declared_at,
        "declared_by": incident.declared_by,
        "ended_at": incident.ended_at,
        "ended_by": incident.ended_by,
    }


def _incident(row: Any) -> Incident:
    return Incident(
        id=int(row.id),
        kind=IncidentKind(row.kind),
        message_nl=row.message_nl,
        message_en=row.message_en,
        channels=frozenset(Channel(c) for c in row.channels),
        products=tuple(row.products),
        offer_callbacks=bool(row.offer_callbacks),
        queue=row.queue,
        declared_at=row.declared_at,
        declared_by=row.declared_by,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
    )


# Read once per intake batch: prepared (adapters/db/prepared.py), about 60 -> 3 µs on SQLite.
_ACTIVE = Prepared(select(incidents).where(incidents.c.ended_at.is_(None)).order_by(incidents.c.id))


class SqlIncidents:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, incident: Incident) -> Incident:
        values = _values(incident)
        statement = insert(incidents).values(values).returning(incidents.c.id)
        new_id = int(self._c.execute(statement).scalar_one())
        queue = incident.queue or default_queue_name(new_id)
        if queue != incident.queue:
            self._c.execute(update(incidents).where(incidents.c.id == new_id).values(queue=queue))
        return _incident(self._c.execute(select(incidents).where(incidents.c.id == new_id)).one())

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident | None:
        query = select(incidents).where(incidents.c.id == incident_id)
        if for_update:
            query = query.with_for_update()
        row = self._c.execute(query).first()
        return _incident(row) if row is not None else None

    def update(self, incident: Incident) -> None:
        self._c.execute(
            update(incidents).where(incidents.c.id == incident.id).values(_values(incident))
        )

    def active(self) -> list[Incident]:
        return [_incident(r) for r in _ACTIVE.all(self._c, {})]

    def recent(self, *, limit: int) -> list[Incident]:
        rows = self._c.execute(select(incidents).order_by(incidents.c.id.desc()).limit(limit))
        return [_incident(r) for r in rows]

    def _inbound_between(self, start: datetime, end: datetime) -> Any:
        return (messages.c.direction == Direction.INBOUND.value) & messages.c.created_at.between(
            start, end
        )

    def contacts_by_channel(self, start: datetime, end: datetime) -> dict[Channel, int]:
        rows = self._c.execute(
            select(messages.c.channel, func.count())
            .where(self._inbound_between(start, end))
            .group_by(messages.c.channel)
        )
        return {Channel(channel): int(count) for channel, count in rows}

    def cases_with_contacts(self, start: datetime, end: datetime) -> list[CaseId]:
        rows = self._c.execute(
            select(messages.c.case_id)
            .where(self._inbound_between(start, end))
            .distinct()
            .order_by(messages.c.case_id)
        )
        return [CaseId(r.case_id) for r in rows]

    def staff_like(self, queue_id: QueueId, template_id: QueueId) -> int:
        """Every agent of ``template_id`` also works ``queue_id``; returns how many joined.

        A queue made for an incident would otherwise have nobody routing could offer its cases
        to. A handful of agents: read, then one update each (JSON lists in both stores).
        """
        rows = self._c.execute(select(agents.c.id, agents.c.queue_ids)).all()
        joined = 0
        for row in rows:
            members = {int(q) for q in row.queue_ids}
            if template_id in members and queue_id not in members:
                self._c.execute(
                    update(agents)
                    .where(agents.c.id == row.id)
                    .values(queue_ids=sorted(members | {int(queue_id)}))
                )
                joined += 1
        return joined
