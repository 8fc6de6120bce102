"""The emergency lane's API: time to human, reports, contacts, and SOS for the bank's app.

- ``GET /emergency/metrics``: time to human for each emergency reported in a window, and the
  share within the 10-minute promise (supervisors).
- ``GET /emergency/reports/{reference}``: the stored proof of a report (PSD2 art. 70(1)(c)),
  for supervisors and compliance; audited as a read of the customer's record.
- ``POST /cases/{id}/contacts``: an agent reached the customer by voice (a call-back made):
  the first human contact.
- ``POST /sos``: the SOS form for the bank's own app: no sign-in, JSON in, the receipt out
  (reference and time of receipt to the second), one report per ``submission`` id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from klantenservice.domain.emergency_reports import normalise_reference
from klantenservice.domain.errors import (
    NotFound,
    PermissionDenied,
    TooManyRequests,
    ValidationError,
)
from klantenservice.domain.permissions import Permission, has_permission
from klantenservice.domain.sos import MAX_DESCRIPTION_CHARS, SosRejected, check_sos
from klantenservice.domain.vocabulary import CaseId, Language
from klantenservice.services import access, cases, sos
from klantenservice.services.emergency_lane import LaneEntry, LaneMetrics, lane_metrics
from klantenservice.web.deps import Context, CurrentActor, Now, Uow
from klantenservice.web.portal.sos import sos_limits
from klantenservice.web.schemas.cases import CaseOut

router = APIRouter(tags=["emergency lane"])
MAX_WINDOW = timedelta(days=31)


class LaneEntryOut(BaseModel):
    case_id: int
    reference: str
    reported_at: datetime
    time_to_human_seconds: float | None
    waiting_seconds: float | None
    within_promise: bool | None
    escalated_levels: list[int]

    @classmethod
    def of(cls, entry: LaneEntry) -> LaneEntryOut:
        return cls(
            case_id=entry.case_id,
            reference=entry.reference,
            reported_at=entry.reported_at,
            time_to_human_seconds=_seconds(entry.time_to_human),
            waiting_seconds=_seconds(entry.waiting),
            within_promise=entry.within_promise,
            escalated_levels=list(entry.escalated_levels),
        )


class LaneMetricsOut(BaseModel):
    since: datetime
    until: datetime
    target_seconds: int = 600
    emergencies: int
    contacted: int
    within_target: int
    breached: int
    share_within: float | None = Field(description="of the emergencies whose outcome is known")
    median_seconds: float | None
    p90_seconds: float | None
    max_seconds: float | None
    entries: list[LaneEntryOut]

    @classmethod
    def of(cls, metrics: LaneMetrics) -> LaneMetricsOut:
        return cls(
            since=metrics.since,
            until=metrics.until,
            emergencies=metrics.emergencies,
            contacted=metrics.contacted,
            within_target=metrics.within_target,
            breached=metrics.breached,
            share_within=metrics.share_within,
            median_seconds=metrics.median_seconds,
            p90_seconds=metrics.p90_seconds,
            max_seconds=metrics.max_seconds,
            entries=[LaneEntryOut.of(entry) for entry in metrics.entries],
        )


class ReportOut(BaseModel):
    reference: str
    reported_at: datetime
    channel: str
    via: str
    kind: str | None
    case_id: int
    customer_id: int
    card_last_four: str | None
    retain_until: datetime
    card_block: str | None


class HumanContactIn(BaseModel):
    via: Literal["call_answered", "call_back", "in_person"]


class SosIn(BaseModel):
    kind: str = Field(max_length=40)
    phone: str = Field(default="", max_length=40)
    email: str = Field(default="", max_length=320)
    name: str = Field(default="", max_length=400)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_CHARS * 2)
    block_card: bool = False
    card_last_four: str = Field(default="", max_length=20)
    submission: str = Field(max_length=64)
    language: Literal["nl", "en"] = "nl"


class SosOut(BaseModel):
    reference: str
    reported_at: datetime
    case_id: int
    block_requested: bool
    confirmation_url: str


@router.get("/emergency/metrics")
def metrics(
    actor: CurrentActor,
    uow: Uow,
    now: Now,
    since: datetime | None = None,
    until: datetime | None = None,
) -> LaneMetricsOut:
    """Time to human per emergency reported in [since, until) (default: the last 24 hours)."""
    until = until or now
    since = since or until - timedelta(hours=24)
    if since.tzinfo is None or until.tzinfo is None:
        raise ValidationError("since and until need a time zone (e.g. 2026-11-22T01:13:00Z)")
    if not since < until or until - since > MAX_WINDOW:
        raise ValidationError("the window must run forward and span at most 31 days")
    return LaneMetricsOut.of(lane_metrics(uow(), actor=actor, since=since, until=until, now=now))


@router.get("/emergency/reports/{reference}")
def report(reference: str, actor: CurrentActor, uow: Uow, now: Now) -> ReportOut:
    """The stored proof of one report (supervisors and compliance; the read is audited)."""
    allowed = (Permission.QUEUE_SUPERVISE, Permission.AUDIT_READ)
    if not any(has_permission(actor.roles, permission) for permission in allowed):
        raise PermissionDenied("reading emergency reports needs the supervisor or compliance role")
    normal = normalise_reference(reference)
    if normal is None:
        raise ValidationError(f"{reference!r} is not a reference of the form SOS-XXXX-XXXX")
    with uow() as unit:
        found = unit.emergencies.report_by_reference(normal)
        if found is None or found.id is None:
            raise NotFound(f"no emergency report {normal}")
        block = unit.emergencies.block_for_report(found.id)
        access.record_customer_view(unit, actor, found.customer_id, at=now, via=f"sos:{normal}")
        unit.commit()
    return ReportOut(
        reference=found.reference,
        reported_at=found.reported_at,
        channel=found.channel.value,
        via=found.via.value,
        kind=found.kind.value if found.kind else None,
        case_id=found.case_id,
        customer_id=found.customer_id,
        card_last_four=found.card_last_four,
        retain_until=found.purge_after,
        card_block=block.status.value if block else None,
    )


@router.post("/cases/{case_id}/contacts", status_code=status.HTTP_201_CREATED)
def record_contact(
    case_id: int, body: HumanContactIn, actor: CurrentActor, uow: Uow, now: Now
) -> CaseOut:
    """An agent reached the customer by voice: the case's first human contact."""
    case = cases.record_contact(uow(), actor=actor, case_id=CaseId(case_id), via=body.via, now=now)
    return CaseOut.of(case)


@router.post("/sos", status_code=status.HTTP_201_CREATED)
def report_sos(body: SosIn, request: Request, context: Context, uow: Uow, now: Now) -> SosOut:
    """Report fraud or a lost card without signing in (the bank's app; rate-limited)."""
    address = request.client.host if request.client else "?"
    if not sos_limits(request).allow(address, now):
        raise TooManyRequests(
            "too many reports from this address; call the emergency number "
            f"{context.settings.emergency_phone_number}"
        )
    try:
        form = check_sos(
            kind=body.kind, phone=body.phone, email=body.email, name=body.name,
            description=body.description, block_card=body.block_card,
            card_last_four=body.card_last_four, submission=body.submission,
        )  # fmt: skip
    except SosRejected as rejected:
        problems = ", ".join(f"{field}: {p.value}" for field, p in rejected.problems.items())
        raise ValidationError(f"the report has problems: {problems}") from None
    receipt = sos.report_sos(
        uow,
        form,
        language=Language(body.language),
        now=now,
        options=context.intake,
        secret=context.settings.secret_key,
    )
    base = context.settings.public_base_url.rstrip("/")
    return SosOut(
        reference=receipt.reference,
        reported_at=receipt.reported_at,
        case_id=receipt.case_id,
        block_requested=receipt.block_requested,
        confirmation_url=f"{base}/portal/sos/r/{receipt.reference}?k={receipt.key}",
    )


def _seconds(span: timedelta | None) -> float | None:
    return None if span is None else span.total_seconds()
