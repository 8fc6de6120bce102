"""Incidents: declare one, list them, end one, read its report.

    POST /api/v1/incidents                  declare (supervisor or admin)          201
    GET  /api/v1/incidents?active=true      the active ones (else the 20 latest)
    POST /api/v1/incidents/{id}/end         end it                                 200
    GET  /api/v1/incidents/{id}/report      contacts, waits, breaches, emergencies

Thin: parse, call one service (``services/incidents.py``), render. Errors: an unknown channel
or kind, an empty or too long message 422; ending twice 409; an unknown id 404; a role
without ``queue_supervise`` 403.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from klantenservice.domain.incidents import Incident, IncidentReport
from klantenservice.services import incidents
from klantenservice.services.incidents import Declaration
from klantenservice.web.deps import CurrentActor, Now, Uow
from klantenservice.web.schemas.common import ResponseModel

router = APIRouter(prefix="/incidents", tags=["incidents"])

IncidentIdPath = Annotated[int, Path(ge=1, le=2**63 - 1)]


class IncidentIn(BaseModel):
    kind: str = Field(max_length=20, description="outage | fraud_wave | security | other")
    message_nl: str = Field(max_length=2000)
    message_en: str = Field(max_length=2000)
    channels: list[str] = Field(default_factory=list, max_length=10, description="[] = all")
    products: list[str] = Field(default_factory=list, max_length=20)
    queue: str | None = Field(default=None, max_length=200, description="default incident-<id>")
    offer_callbacks: bool = False


class IncidentOut(ResponseModel):
    id: int
    kind: str
    message_nl: str
    message_en: str
    channels: list[str]
    products: list[str]
    queue: str
    offer_callbacks: bool
    declared_at: datetime
    declared_by: str
    ended_at: datetime | None
    ended_by: str | None
    active: bool

    @classmethod
    def of(cls, incident: Incident) -> IncidentOut:
        return cls(
            id=int(incident.id or 0),
            kind=incident.kind.value,
            message_nl=incident.message_nl,
            message_en=incident.message_en,
            channels=sorted(c.value for c in incident.channels),
            products=list(incident.products),
            queue=incident.queue,
            offer_callbacks=incident.offer_callbacks,
            declared_at=incident.declared_at,
            declared_by=incident.declared_by,
            ended_at=incident.ended_at,
            ended_by=incident.ended_by,
            active=incident.active,
        )


class IncidentsOut(ResponseModel):
    items: list[IncidentOut]


class WaitsOut(ResponseModel):
    answered: int
    unanswered: int
    p50_seconds: float | None
    p90_seconds: float | None
    max_seconds: float | None


class EmergencyOut(ResponseModel):
    case_id: int
    time_to_human_seconds: float | None  # null: nobody reached the customer by the end
    within_10_minutes: bool


def seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


class ReportOut(ResponseModel):
    incident: IncidentOut
    start: datetime
    end: datetime
    contacts: int
    contacts_by_channel: dict[str, int]
    tagged_cases: int
    waits: WaitsOut
    promise_breaches: int
    emergencies: list[EmergencyOut]
    emergency_share_within_10_minutes: float | None

    @classmethod
    def of(cls, incident: Incident, report: IncidentReport) -> ReportOut:
        waits = report.waits
        return cls(
            incident=IncidentOut.of(incident),
            start=report.start,
            end=report.end,
            contacts=report.contacts,
            contacts_by_channel={c.value: n for c, n in report.contacts_by_channel.items()},
            tagged_cases=report.tagged_cases,
            waits=WaitsOut(
                answered=waits.answered,
                unanswered=waits.unanswered,
                p50_seconds=seconds(waits.p50),
                p90_seconds=seconds(waits.p90),
                max_seconds=seconds(waits.max),
            ),
            promise_breaches=report.breaches,
            emergencies=[
                EmergencyOut(
                    case_id=int(e.case_id),
                    time_to_human_seconds=seconds(e.time_to_human),
                    within_10_minutes=e.within_target,
                )
                for e in report.emergencies
            ],
            emergency_share_within_10_minutes=report.emergency_share_within_target,
        )


@router.post("", status_code=status.HTTP_201_CREATED)
def declare(body: IncidentIn, actor: CurrentActor, uow: Uow, now: Now) -> IncidentOut:
    """Declare an incident: from now on its banner, auto-replies, IVR message and queue apply."""
    declaration = Declaration(
        kind=body.kind,
        message_nl=body.message_nl,
        message_en=body.message_en,
        channels=tuple(body.channels),
        products=tuple(body.products),
        queue=body.queue,
        offer_callbacks=body.offer_callbacks,
    )
    found = incidents.declare_incident(uow(), actor=actor, declaration=declaration, now=now)
    return IncidentOut.of(found)


@router.get("")
def list_incidents(
    actor: CurrentActor, uow: Uow, active: Annotated[bool, Query()] = False
) -> IncidentsOut:
    found = incidents.list_incidents(uow(), actor=actor, active_only=active)
    return IncidentsOut(items=[IncidentOut.of(i) for i in found])


@router.post("/{incident_id}/end")
def end(incident_id: IncidentIdPath, actor: CurrentActor, uow: Uow, now: Now) -> IncidentOut:
    """End the incident; its report covers declaration to now."""
    return IncidentOut.of(
        incidents.end_incident(uow(), actor=actor, incident_id=incident_id, now=now)
    )


@router.get("/{incident_id}/report")
def report(incident_id: IncidentIdPath, actor: CurrentActor, uow: Uow, now: Now) -> ReportOut:
    """Contacts by channel, tagged cases, waits to a first human answer, promise breaches and
    every emergency's time to human (until now while the incident lasts)."""
    found, computed = incidents.incident_report(
        uow(), actor=actor, incident_id=incident_id, now=now
    )
    return ReportOut.of(found, computed)
