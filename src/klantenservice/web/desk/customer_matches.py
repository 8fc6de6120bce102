"""The case page's "same customer elsewhere?" panel: proposals and the agent's decision.

    GET  /desk/customers/{id}/matches?case=<case id>           the panel (htmx loads it after
                                                               the page; without JavaScript a
                                                               page of its own)
    POST /desk/customers/{id}/matches/{other_id}/confirm       same person: merge, then back
                                                               to the case (now under the
                                                               surviving customer)
    POST /desk/customers/{id}/matches/{other_id}/reject        not the same person: the panel
                                                               again, without that proposal

Loaded after the case page rather than inside it: proposals cost a few indexed queries of
their own and are audited as views of every customer shown, so the case page (and its live
refreshes) stay as they were. Each route calls one service (``services/customer_matching``);
forms carry the CSRF token (checked by ``session.py`` before anything is read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.customer_matching import Reason, Signal
from klantenservice.domain.customers import ContactKind
from klantenservice.domain.vocabulary import CustomerId
from klantenservice.services import customer_matching
from klantenservice.services.desk import DeskProfile
from klantenservice.web.deps import Now, Uow
from klantenservice.web.desk.case import MAX_ID
from klantenservice.web.desk.inbox import Profile
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import PageRenderer, Pages, is_htmx
from klantenservice.web.desk.session import DeskSession, Session

router = APIRouter()

CustomerIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
CaseField = Annotated[int, Form(ge=1, le=MAX_ID)]

SENTENCES = {
    Signal.SAME_NUMBER_OTHER_CHANNEL: N_(
        "%(mine)s and %(theirs)s are the same number on another channel. Numbers are recycled "
        "and shared in families: check who you are talking to."
    ),
    Signal.SAME_MAILBOX: N_("%(mine)s and %(theirs)s reach the same mailbox."),
    Signal.NAMES_FIT: N_("The names fit: “%(mine)s” and “%(theirs)s”."),
    Signal.NAMES_DIFFER: N_("The names differ: “%(mine)s” and “%(theirs)s”."),
}
KINDS = {
    ContactKind.PHONE: N_("phone %(value)s"),
    ContactKind.WHATSAPP: N_("WhatsApp %(value)s"),
    ContactKind.EMAIL: N_("e-mail %(value)s"),
}
REJECTED = N_("Noted: not the same person. This customer will not be proposed again.")
MERGED = "customer_merged"  # case_render.NOTICES


def sentence(pages: Pages, reason: Reason) -> str:
    """The reason in the page's language (the domain's own sentence is English)."""
    mine, theirs = reason.mine, reason.theirs
    if reason.kinds is not None:
        mine = pages.gettext(KINDS[reason.kinds[0]]) % {"value": mine}
        theirs = pages.gettext(KINDS[reason.kinds[1]]) % {"value": theirs}
    return pages.gettext(SENTENCES[reason.signal]) % {"mine": mine, "theirs": theirs}


def _panel(
    request: Request,
    session: DeskSession,
    pages: Pages,
    uow: Uow,
    now: datetime,
    customer_id: int,
    case_id: int,
    *,
    notice: str | None = None,
    profile: DeskProfile | None = None,
) -> Response:
    found = customer_matching.match_proposals(
        uow(),
        actor=session.actor,
        customer_id=CustomerId(customer_id),
        now=now,
        via=f"desk:case:{case_id}",
    )
    values: dict[str, Any] = {
        "session": session,
        "csrf_token": session.csrf_token,
        "found": found,
        "case_id": case_id,
        "sentence": lambda reason: sentence(pages, reason),
        "panel_notice": None if notice is None else pages.gettext(notice),
    }
    if is_htmx(request):
        return pages.render("desk/_customer_matches.html", headers={"Vary": "HX-Request"}, **values)
    return pages.render("desk/customer_matches.html", profile=profile, **values)


@router.get("/customers/{customer_id}/matches")
def matches(
    request: Request,
    customer_id: CustomerIdPath,
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    case: Annotated[int, Query(ge=1, le=MAX_ID)],
) -> Response:
    """The panel of proposals for the customer of case ``case``."""
    return _panel(request, session, pages, uow, now, customer_id, case, profile=profile)


@router.post("/customers/{customer_id}/matches/{other_id}/confirm")
def confirm(
    request: Request,
    customer_id: CustomerIdPath,
    other_id: CustomerIdPath,
    session: Session,
    uow: Uow,
    now: Now,
    case_id: CaseField,
) -> Response:
    """Same person: merged; the case page is reloaded (its customer may have changed)."""
    customer_matching.confirm_match(
        uow(),
        actor=session.actor,
        customer_id=CustomerId(customer_id),
        other_id=CustomerId(other_id),
        now=now,
    )
    target = f"/desk/cases/{case_id}?done={MERGED}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.post("/customers/{customer_id}/matches/{other_id}/reject")
def reject(
    request: Request,
    customer_id: CustomerIdPath,
    other_id: CustomerIdPath,
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    case_id: CaseField,
) -> Response:
    """Not the same person: stored; the panel again, with a notice."""
    customer_matching.reject_match(
        uow(),
        actor=session.actor,
        customer_id=CustomerId(customer_id),
        other_id=CustomerId(other_id),
        now=now,
    )
    return _panel(
        request, session, pages, uow, now, customer_id, case_id, notice=REJECTED, profile=profile
    )
