"""The case page (``/desk/cases/{id}``) and the fragments that keep it current.

    GET /desk/cases/{id}            the page; ``?scope=customer`` shows the customer's whole
                                    timeline, ``?template=<id>`` fills the reply box with a
                                    template (the no-JavaScript path of "Insert template"),
                                    ``?done=<action>`` the notice after a plain form post
    GET /desk/cases/{id}/live       summary, promises and timeline as out-of-band swaps: what
                                    ``static/live.js`` fetches when a live event names the case
    GET /desk/cases/{id}/timeline   older messages (``?before=<message id>``)

Each is one audited read (``services/case_view.case_page``). The actions (reply, note,
status, ...) are in ``case_actions.py`` and ``case_handover.py``; how the parts are rendered
is ``case_render.py``. See docs/subsystems/desk.md.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from klantenservice.domain.vocabulary import CaseId
from klantenservice.web.deps import Now, Uow
from klantenservice.web.desk.case_render import (
    LIVE_PARTS,
    NOTICES,
    page_values,
    read_page,
    render_page,
    render_parts,
)
from klantenservice.web.desk.inbox import Profile
from klantenservice.web.desk.pages import PageRenderer
from klantenservice.web.desk.session import Session

router = APIRouter()

MAX_ID = 2**63 - 1  # the store's integer range
CaseIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/cases/{case_id}")
def case_page(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    template: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    done: str = "",
) -> Response:
    page = read_page(request, session, uow, now, CaseId(case_id))
    chosen = next((t for t in page.templates if t.id == template), None)
    return render_page(
        pages,
        session,
        profile,
        page,
        notice=NOTICES.get(done),
        prefill_text=chosen.text if chosen is not None else "",
        chosen_template=template,
    )


@router.get("/cases/{case_id}/live")
def live_parts(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
) -> Response:
    """The parts a change elsewhere may have touched (never the forms being typed in)."""
    page = read_page(request, session, uow, now, CaseId(case_id), via="live")
    return render_parts(pages, session, page, LIVE_PARTS)


@router.get("/cases/{case_id}/timeline")
def earlier_messages(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    before: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> Response:
    """Older messages, as list items that replace the "Show earlier messages" item."""
    page = read_page(request, session, uow, now, CaseId(case_id), via="earlier", before=before)
    return pages.render("desk/_case_earlier.html", **page_values(pages, session, page))
