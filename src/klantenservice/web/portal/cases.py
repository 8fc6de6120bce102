"""My cases (``/portal/``), one case (``/portal/cases/{id}``) and replying on it.

Each route is one service call (``services/portal.py``), which decides what the customer may
see: the routes have no other way to a case. The reply form posts with htmx, which swaps the
conversation in place and announces "sent" in the page's status region; without JavaScript
the same form posts and the browser follows the redirect back to the case (post, redirect,
get: a reload does not send it again).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.portal import MAX_BODY_CHARS, FormRejected
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import portal
from klantenservice.services.portal import CaseDetail
from klantenservice.web.deps import Context, Now, Uow
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import is_htmx
from klantenservice.web.portal.forms import FormView
from klantenservice.web.portal.pages import Pages
from klantenservice.web.portal.session import Signed

router = APIRouter()

MAX_ID = 2**63 - 1
CaseIdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
SENT_NOTICES = {
    "reply": N_("Your message has been sent. We will answer you here and by your usual channel."),
    "reply-new": N_(
        "This case was closed, so we opened this new case for your message. It refers to "
        "your earlier case."
    ),
    "new": N_("We have received your question."),
    "new-fraud": N_("We have received your report."),
}
SENT_NOW = N_("Your message has been sent.")


@router.get("/")
def my_cases(signed: Signed, pages: Pages, uow: Uow) -> Response:
    cases = portal.my_cases(uow(read_only=True), customer=signed.customer)
    return pages.render(
        "portal/cases.html", signed=signed, csrf_token=signed.csrf_token, cases=cases
    )


@router.get("/cases/{case_id}")
def case_page(
    case_id: CaseIdPath, signed: Signed, pages: Pages, uow: Uow, now: Now, sent: str = ""
) -> Response:
    detail = portal.my_case(uow, customer=signed.customer, case_id=CaseId(case_id), now=now)
    if detail.case.case_id != case_id:  # merged into another of their cases
        return RedirectResponse(f"/portal/cases/{detail.case.case_id}", status_code=303)
    return _case(pages, signed, detail, FormView(), sent=sent)


@router.post("/cases/{case_id}/messages")
def reply(
    request: Request,
    case_id: CaseIdPath,
    signed: Signed,
    pages: Pages,
    context: Context,
    uow: Uow,
    now: Now,
    body: Annotated[str, Form()] = "",
    submission: Annotated[str, Form()] = "",
) -> Response:
    customer = signed.customer
    try:
        written = portal.reply(
            uow,
            customer=customer,
            case_id=CaseId(case_id),
            body=body,
            submission=submission,
            now=now,
            options=context.intake,
        )
    except FormRejected as rejected:
        detail = portal.my_case(uow, customer=customer, case_id=CaseId(case_id), now=now)
        form = FormView.rejected(pages, rejected, submission, body=body)
        return _case(pages, signed, detail, form, status=422, fragment=is_htmx(request))
    target = f"/portal/cases/{written.case_id}?sent={'reply-new' if written.new_case else 'reply'}"
    if not is_htmx(request):
        return RedirectResponse(target, status_code=303)
    if written.case_id != case_id:
        return Response(status_code=200, headers={"HX-Redirect": target})
    detail = portal.my_case(uow, customer=customer, case_id=CaseId(case_id), now=now)
    return _case(pages, signed, detail, FormView(), fragment=True, announce=SENT_NOW)


def _case(
    pages: Pages,
    signed: Signed,
    detail: CaseDetail,
    form: FormView,
    *,
    status: int = 200,
    sent: str = "",
    fragment: bool = False,
    announce: str | None = None,
) -> Response:
    return pages.render(
        "portal/_conversation.html" if fragment else "portal/case.html",
        status,
        headers={"Vary": "HX-Request"},
        signed=signed,
        csrf_token=signed.csrf_token,
        detail=detail,
        form=form,
        max_body=MAX_BODY_CHARS,
        sent=sent if sent in SENT_NOTICES else None,
        sent_text=pages.gettext(SENT_NOTICES[sent]) if sent in SENT_NOTICES else None,
        announce=None if announce is None else pages.gettext(announce),
    )
