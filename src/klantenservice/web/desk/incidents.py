"""The supervisor's incident pages: declare, see the active ones, end one, read the report.

    GET  /desk/incidents                the form and the active and recent incidents
    POST /desk/incidents                declare (303 to the list; a 422 page with the form
                                        again, and what is wrong, for bad input)
    POST /desk/incidents/{id}/end       end it (303 to its report)
    GET  /desk/incidents/{id}           its report: contacts, waits, breaches, emergencies

Supervisors and administrators only (``queue_supervise``, checked by the services); every
POST carries the session's CSRF token (``desk/session.py``). Forms work without JavaScript.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.incidents import INCIDENT_CHANNELS, MAX_MESSAGE_LENGTH, IncidentKind
from klantenservice.services import incidents
from klantenservice.services.incidents import Declaration
from klantenservice.web.deps import Now, Uow
from klantenservice.web.desk.inbox import Profile
from klantenservice.web.desk.labels import CHANNEL, N_
from klantenservice.web.desk.pages import PageRenderer
from klantenservice.web.desk.session import DeskSession, Session

router = APIRouter()

PATH = "/desk/incidents"
IncidentId = Annotated[int, Path(ge=1, le=2**63 - 1)]
KINDS = {
    IncidentKind.OUTAGE: N_("Outage"),
    IncidentKind.FRAUD_WAVE: N_("Fraud wave"),
    IncidentKind.SECURITY: N_("Security incident"),
    IncidentKind.OTHER: N_("Other"),
}
CHANNELS = [(c.value, CHANNEL[c]) for c in CHANNEL if c in INCIDENT_CHANNELS]
EMPTY_FORM: dict[str, Any] = {
    "kind": "",
    "message_nl": "",
    "message_en": "",
    "channels": set(),
    "products": "",
    "queue": "",
    "offer_callbacks": False,
}
NOTICES = {
    "declared": N_(
        "The incident was declared: banners, auto-replies and the phone message are on."
    ),
}


def minutes_seconds(value: timedelta | None) -> str:
    """A wait as "4:05" (minutes:seconds); "–" when there is none."""
    if value is None:
        return "–"
    total = int(value.total_seconds())
    return f"{total // 60}:{total % 60:02d}"


def _render_list(
    pages: PageRenderer,
    session: DeskSession,
    profile: Any,
    uow: Uow,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    active = incidents.list_incidents(uow(read_only=True), actor=session.actor, active_only=True)
    recent = incidents.list_incidents(uow(read_only=True), actor=session.actor, active_only=False)
    return pages.render(
        "desk/incidents.html",
        status=status,
        session=session,
        csrf_token=session.csrf_token,
        profile=profile,
        active=active,
        ended=[i for i in recent if not i.active],
        kinds=KINDS,
        channels=CHANNELS,
        max_message=MAX_MESSAGE_LENGTH,
        **{"error": None, **values},
    )


@router.get("/incidents")
def incidents_page(
    session: Session, profile: Profile, pages: PageRenderer, uow: Uow, notice: str = ""
) -> Response:
    text = pages.gettext(NOTICES[notice]) if notice in NOTICES else None
    return _render_list(pages, session, profile, uow, notice=text, form=EMPTY_FORM)


@router.post("/incidents")
def declare_incident(
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    kind: Annotated[str, Form(max_length=20)],
    message_nl: Annotated[str, Form(max_length=2 * MAX_MESSAGE_LENGTH)],
    message_en: Annotated[str, Form(max_length=2 * MAX_MESSAGE_LENGTH)],
    channels: Annotated[list[str] | None, Form(max_length=10)] = None,
    products: Annotated[str, Form(max_length=400)] = "",
    queue: Annotated[str, Form(max_length=200)] = "",
    offer_callbacks: Annotated[bool, Form()] = False,
) -> Response:
    declaration = Declaration(
        kind=kind,
        message_nl=message_nl,
        message_en=message_en,
        channels=tuple(channels or ()),
        products=tuple(p for p in products.replace(",", " ").split() if p),
        queue=queue.strip() or None,
        offer_callbacks=offer_callbacks,
    )
    try:
        incidents.declare_incident(uow(), actor=session.actor, declaration=declaration, now=now)
    except ValidationError as refused:  # the form again, as typed, with what is wrong
        return _render_list(
            pages, session, profile, uow, status=422, error=refused.message,
            form=_as_form(declaration, products),
        )  # fmt: skip
    return RedirectResponse(f"{PATH}?notice=declared", status_code=303)


def _as_form(declaration: Declaration, products: str) -> dict[str, Any]:
    return {
        "kind": declaration.kind,
        "message_nl": declaration.message_nl,
        "message_en": declaration.message_en,
        "channels": set(declaration.channels),
        "products": products,
        "queue": declaration.queue or "",
        "offer_callbacks": declaration.offer_callbacks,
    }


@router.post("/incidents/{incident_id}/end")
def end_incident(session: Session, uow: Uow, now: Now, incident_id: IncidentId) -> Response:
    incidents.end_incident(uow(), actor=session.actor, incident_id=incident_id, now=now)
    return RedirectResponse(f"{PATH}/{incident_id}", status_code=303)


@router.get("/incidents/{incident_id}")
def report_page(
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    incident_id: IncidentId,
) -> Response:
    incident, report = incidents.incident_report(
        uow(read_only=True), actor=session.actor, incident_id=incident_id, now=now
    )
    return pages.render(
        "desk/incident_report.html",
        session=session,
        csrf_token=session.csrf_token,
        profile=profile,
        incident=incident,
        report=report,
        kinds=KINDS,
        wait=minutes_seconds,
    )
