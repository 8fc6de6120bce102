"""The inbox (``/desk/``), the "Next case" button and the agent's presence.

The inbox is one URL whose query string holds the filters (``desk/filters.py``). The filter
form submits it with htmx (``hx-get``, ``hx-push-url``), which asks for the results fragment
only; without JavaScript the same form loads the whole page. "Next case" asks the routing
(``services/cases.take_next_case``) for the best waiting case this agent may take and opens it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.errors import Conflict, PermissionDenied
from klantenservice.domain.vocabulary import Presence
from klantenservice.services import cases, directory
from klantenservice.services import desk as desk_service
from klantenservice.services.desk import DeskProfile
from klantenservice.web.deps import Context, Now, Uow
from klantenservice.web.desk.filters import case_filters, filter_options, parse_inbox_query
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import PageRenderer, is_htmx
from klantenservice.web.desk.session import HOME_PATH, Session

router = APIRouter()

PAGE_SIZE = 25
NOTICES = {
    "no-case": N_("There is no waiting case for you right now."),
    "not-available": N_("Set your status to Available to take the next case."),
    "taken": N_("Someone else just took that case. Press “Next case” again."),
}


def get_profile(session: Session, uow: Uow) -> DeskProfile:
    return desk_service.desk_profile(uow(read_only=True), actor=session.actor)


Profile = Annotated[DeskProfile, Depends(get_profile)]


@router.get("/")
def inbox(
    request: Request,
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    notice: str = "",
) -> Response:
    query = parse_inbox_query(request.query_params, profile)
    page = desk_service.inbox_page(
        uow,
        actor=session.actor,
        filters=case_filters(query, session.actor.agent_id),
        after=query.after,
        limit=PAGE_SIZE,
        now=now,
    )
    fragment = is_htmx(request) and request.headers.get("hx-target") == "inbox-results"
    return pages.render(
        "desk/_inbox_results.html" if fragment else "desk/inbox.html",
        headers={"Vary": "HX-Request, HX-Target"},
        session=session,
        csrf_token=session.csrf_token,
        profile=profile,
        query=query,
        page=page,
        next_url=None if page.next_after is None else query.url(after=page.next_after),
        first_url=query.url() if query.after else None,
        notice=pages.gettext(NOTICES[notice]) if notice in NOTICES else None,
        options=filter_options(pages.gettext, profile),
    )


@router.post("/next")
def next_case(session: Session, context: Context, uow: Uow, now: Now) -> Response:
    """Take the next case the routing offers this agent, and open it."""
    try:
        taken = cases.take_next_case(
            uow(), actor=session.actor, now=now, policy=context.intake.routing
        )
    except Conflict:
        return RedirectResponse(f"{HOME_PATH}?notice=taken", status_code=303)
    if taken is None:
        profile = desk_service.desk_profile(uow(read_only=True), actor=session.actor)
        available = profile.agent is not None and profile.agent.presence is Presence.AVAILABLE
        notice = "no-case" if available else "not-available"
        return RedirectResponse(f"{HOME_PATH}?notice={notice}", status_code=303)
    case, _reasons = taken
    return RedirectResponse(f"/desk/cases/{case.id}", status_code=303)


@router.post("/presence")
def set_presence(
    request: Request,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    presence: Annotated[Presence, Form()],
) -> Response:
    """Available, away or offline: the header's buttons (htmx swaps the control itself)."""
    agent_id = session.actor.agent_id
    if agent_id is None:
        raise PermissionDenied("only agents have a presence; this account has no agent profile")
    directory.set_presence(
        uow(), actor=session.actor, agent_id=agent_id, presence=presence, now=now
    )
    if not is_htmx(request):
        return RedirectResponse(HOME_PATH, status_code=303)
    return pages.render(
        "desk/_presence.html",
        session=session,
        csrf_token=session.csrf_token,
        presence=presence,
        announce=True,
    )
