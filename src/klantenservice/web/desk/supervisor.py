"""The supervisor view (``/desk/supervisor``): live queues, agent states, reassigning cases.

    GET  /desk/supervisor             the board (htmx with HX-Target supervisor-board: the
                                      board fragment only, for the live and periodic refresh)
    POST /desk/supervisor/presence    set an agent's presence (``directory.set_presence``)
    POST /desk/supervisor/reassign    move a case to an agent or a queue, with a reason
                                      (``services/reassignment.py``)

Supervisors and administrators only (``queue_supervise``, checked by the service): anyone
else gets the desk's 403 page. The board refreshes itself without a reload: ``static/
supervisor.js`` listens to ``/api/v1/live`` and asks htmx for a new board fragment when a case,
promise or agent changed (at most twice a second); htmx also refreshes it every 30 seconds, so
the wait times move when nothing happens. Forms work without JavaScript (POST, then 303).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.cases import format_reference, parse_reference
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import AgentId, CaseId, Presence, QueueId
from klantenservice.services import supervision
from klantenservice.services.desk import DeskProfile
from klantenservice.services.emergency_lane import LaneMetrics, lane_metrics
from klantenservice.services.reassignment import MAX_REASON, Reassignment, reassign_case
from klantenservice.services.supervision import Board
from klantenservice.web.deps import Context, Now, Uow
from klantenservice.web.desk.inbox import Profile
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import PageRenderer, Pages, is_htmx
from klantenservice.web.desk.session import DeskSession, Session

router = APIRouter()

PATH = "/desk/supervisor"
BOARD_TARGET = "supervisor-board"
MAX_ID = 2**63 - 1
LANE_WINDOW = timedelta(hours=24)
LIVE_TOPICS = "case.*,message.received,promise.*,agent.*,emergency.*"
NOTICES = {
    "presence": N_("The agent's status was changed."),
    "reassigned": N_("Case %(reference)s was reassigned."),
}


def minutes(value: timedelta | None) -> int | None:
    """Whole minutes of a wait, for the board's "12 min" / "1 h 05 min"."""
    return None if value is None else int(value.total_seconds() // 60)


def _render_board(
    pages: Pages,
    session: DeskSession,
    profile: DeskProfile,
    board: Board,
    lane: LaneMetrics,
    **values: Any,
) -> Response:
    fragment = is_htmx(pages.request) and pages.request.headers.get("hx-target") == BOARD_TARGET
    return pages.render(
        f"desk/{'_supervisor_board' if fragment else 'supervisor'}.html",
        headers={"Vary": "HX-Request, HX-Target"},
        session=session,
        csrf_token=session.csrf_token,
        profile=profile,
        board=board,
        lane=lane,
        minutes=minutes,
        live_url=f"/api/v1/live?{urlencode({'topic': LIVE_TOPICS})}",
        **values,
    )


def _board(session: DeskSession, context: Context, uow: Uow, now: Now) -> Board:
    return supervision.supervisor_board(
        uow(read_only=True),
        actor=session.actor,
        now=now,
        rules=context.intake.routing.exclusivity,
    )


def _lane(session: DeskSession, uow: Uow, now: Now) -> LaneMetrics:
    """The emergency lane of the last 24 hours: time to human and the share within 10 min."""
    return lane_metrics(
        uow(read_only=True), actor=session.actor, since=now - LANE_WINDOW, until=now, now=now
    )


@router.get("/supervisor")
def supervisor_page(
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    context: Context,
    uow: Uow,
    now: Now,
    case: str = "",
    notice: str = "",
    ref: str = "",
) -> Response:
    board = _board(session, context, uow, now)
    return _render_board(
        pages,
        session,
        profile,
        board,
        _lane(session, uow, now),
        prefill=case[:20],
        notice=notice_text(pages, notice, ref),
        max_reason=MAX_REASON,
    )


def notice_text(pages: Pages, notice: str, ref: str) -> str | None:
    """The notice after a change; the reference is re-formatted, never echoed as given."""
    if notice == "reassigned":
        case_id = parse_reference(ref)
        if case_id is None:
            return None
        return pages.gettext(NOTICES[notice]) % {"reference": format_reference(case_id)}
    return pages.gettext(NOTICES[notice]) if notice in NOTICES else None


@router.post("/supervisor/presence")
def set_agent_presence(
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    context: Context,
    uow: Uow,
    now: Now,
    agent_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    presence: Annotated[Presence, Form()],
) -> Response:
    supervision.set_agent_presence(
        uow(), actor=session.actor, agent_id=AgentId(agent_id), presence=presence, now=now
    )
    if not is_htmx(pages.request):
        return RedirectResponse(f"{PATH}?notice=presence", status_code=303)
    board = _board(session, context, uow, now)
    return _render_board(pages, session, profile, board, _lane(session, uow, now))


@router.post("/supervisor/reassign")
def reassign(
    request: Request,
    session: Session,
    uow: Uow,
    now: Now,
    case: Annotated[str, Form(max_length=40)],
    to: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=2 * MAX_REASON)],
    beyond_capacity: Annotated[bool, Form()] = False,
) -> Response:
    case_id = parse_case(case)
    agent_id, queue_id = parse_target(to)
    change = Reassignment(
        reason=reason, agent_id=agent_id, queue_id=queue_id, beyond_capacity=beyond_capacity
    )
    moved = reassign_case(uow(), actor=session.actor, case_id=case_id, change=change, now=now)
    query = urlencode({"notice": "reassigned", "ref": format_reference(moved.id)})
    return RedirectResponse(f"{PATH}?{query}", status_code=303)


def parse_case(raw: str) -> CaseId:
    """``KS-000123`` or ``123``; anything else is a 422 that says what is expected."""
    text = raw.strip()
    found = CaseId(int(text)) if text.isdigit() else parse_reference(text)
    if found is None or not 1 <= found <= MAX_ID:
        raise ValidationError(f"case: {raw!r} is not a case reference (KS-000123) or number")
    return found


def parse_target(raw: str) -> tuple[AgentId | None, QueueId | None]:
    """``agent:<id>`` or ``queue:<id>``, as the form's choices are written."""
    kind, _, number = raw.strip().partition(":")
    if kind in ("agent", "queue") and number.isdigit() and 1 <= int(number) <= MAX_ID:
        if kind == "agent":
            return AgentId(int(number)), None
        return None, QueueId(int(number))
    raise ValidationError(f"to: {raw!r} is not an agent or a queue (agent:<id> or queue:<id>)")
