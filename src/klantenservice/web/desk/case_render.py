"""Rendering the case page and the parts an action or a live event changes.

The page is made of parts, each a template whose root element has a fixed id:

    summary    #case-summary, #case-related   header facts; the customer's other cases
    promises   #case-promises                 each clock, its countdown and why
    timeline   #case-timeline                 messages and events
    actions    #case-actions                  take, status, priority, tags, transfer, merge
    composer   #case-composer                 templates, reply form, note form
    reply      #reply-form / note  #note-form  one form of the composer, emptied after use

An htmx action answers with a notice for ``#case-notice`` (its target) plus the parts it
changed as out-of-band swaps (``hx-swap-oob``); a live refresh (``/live``) answers with the
parts a change elsewhere may have touched, never the composer, so a draft is never lost. A
form posted without JavaScript gets a 303 back to the page, which shows the same notice.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.cases import format_reference
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import case_view
from klantenservice.services.case_timeline import TimelineScope
from klantenservice.services.case_view import CasePage
from klantenservice.services.desk import DeskProfile
from klantenservice.services.ports import UnitOfWorkFactory
from klantenservice.web.desk.case_text import CaseTexts
from klantenservice.web.desk.errors import error_page
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import Pages, is_htmx
from klantenservice.web.desk.session import DeskSession

MAX_TEXT_LENGTH = 10_000  # characters of a reply, note or transfer note typed at the desk
LIVE_PARTS = frozenset({"summary", "promises", "timeline"})
ALL_PARTS = frozenset({*LIVE_PARTS, "actions", "composer"})

NOTICES = {
    "reply": N_("Your reply is stored and will be sent to the customer."),
    "note": N_("Your internal note is added."),
    "take": N_("You took this case."),
    "status": N_("The status is changed."),
    "priority": N_("The priority is changed."),
    "tags": N_("The tags are changed."),
    "transfer": N_("The case is transferred."),
    "merge": N_("The cases are merged."),
    "customer_merged": N_("The customers are merged: this case is now under the one customer."),
}
EMPTY_TEXT = {
    "reply": N_("Write a reply first: it is empty."),
    "note": N_("Write a note first: it is empty."),
}
TOO_LONG = N_(
    "The text is %(length)s characters long; the limit is %(limit)s. Shorten it or split it "
    "into two messages. Nothing was saved."
)


def scope_of(request: Request) -> TimelineScope:
    """The timeline's scope: ``?scope=`` of this request, else of the page htmx is on."""
    raw = request.query_params.get("scope")
    if raw is None:
        current = request.headers.get("hx-current-url", "")
        raw = parse_qs(urlsplit(current).query).get("scope", [""])[0]
    return TimelineScope.CUSTOMER if raw == TimelineScope.CUSTOMER.value else TimelineScope.CASE


def read_page(
    request: Request,
    session: DeskSession,
    uow: UnitOfWorkFactory,
    now: datetime,
    case_id: CaseId,
    *,
    via: str = "page",
    before: int | None = None,
) -> CasePage:
    return case_view.case_page(
        uow(),
        actor=session.actor,
        case_id=case_id,
        now=now,
        scope=scope_of(request),
        before=before,
        via=via,
    )


def page_values(pages: Pages, session: DeskSession, page: CasePage) -> dict[str, Any]:
    """What every case template needs besides the shared page context."""
    return {
        "session": session,
        "csrf_token": session.csrf_token,
        "page": page,
        "texts": CaseTexts(pages),
        "scope": page.timeline.scope.value,
        "max_text": MAX_TEXT_LENGTH,
        "ref": format_reference,
        "oob": False,
        "prefill_text": "",
        "chosen_template": None,
        "merge_source": None,
    }


def render_page(
    pages: Pages,
    session: DeskSession,
    profile: DeskProfile,
    page: CasePage,
    *,
    notice: str | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    values = page_values(pages, session, page)
    values.update(extra)
    return pages.render(
        "desk/case.html",
        status,
        profile=profile,
        notice=None if notice is None else pages.gettext(notice),
        **values,
    )


def render_parts(
    pages: Pages,
    session: DeskSession,
    page: CasePage,
    parts: Collection[str],
    *,
    notice: str | None = None,
) -> Response:
    """The notice (the request's target) and ``parts`` as out-of-band swaps."""
    values = page_values(pages, session, page)
    values["parts"] = frozenset(parts)
    return pages.render(
        "desk/_case_parts.html",
        headers={"Vary": "HX-Request"},
        notice=None if notice is None else pages.gettext(notice),
        **values,
    )


def after_action(
    request: Request,
    pages: Pages,
    session: DeskSession,
    uow: UnitOfWorkFactory,
    now: datetime,
    case_id: CaseId,
    *,
    done: str,
    parts: Collection[str],
) -> Response:
    """htmx: the notice and the changed parts; a plain form: back to the page (303)."""
    if not is_htmx(request):
        return RedirectResponse(f"/desk/cases/{case_id}?done={done}", status_code=303)
    page = read_page(request, session, uow, now, case_id, via="action")
    return render_parts(pages, session, page, parts, notice=NOTICES[done])


class TextRefused(Exception):
    """A typed text the desk refuses (empty, too long); ``message`` is already translated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def on_text_refused(request: Request, error: Exception) -> Response:
    """422 with the translated message as the headline (``desk/app.py`` installs this)."""
    assert isinstance(error, TextRefused)
    return error_page(request, 422, None, headline=error.message)


def checked_text(pages: Pages, text: str, *, kind: str) -> str:
    """The typed text with browser line ends (CRLF) made plain; empty or too long is refused.

    Refused before any service is called, so nothing is stored.
    """
    cleaned = text.replace("\r\n", "\n")
    if kind in EMPTY_TEXT and not cleaned.strip():
        raise TextRefused(pages.gettext(EMPTY_TEXT[kind]))
    if len(cleaned) > MAX_TEXT_LENGTH:
        message = pages.gettext(TOO_LONG) % {"length": len(cleaned), "limit": MAX_TEXT_LENGTH}
        raise TextRefused(message)
    return cleaned
