"""The web form that opens a new case (``/portal/new``).

The customer picks what it is about, writes a subject and a message; the service stores it
through the intake as a new case on the ``web_form`` channel (fraud or a lost card goes to the
emergency lane). The answer is a redirect to the new case, which confirms it with its
reference and the time it was received. A form with problems comes back (422) with every
problem at its field and the text kept.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.portal import MAX_BODY_CHARS, MAX_SUBJECT_CHARS, FormRejected
from klantenservice.domain.vocabulary import Language
from klantenservice.services import portal
from klantenservice.web.deps import Context, Now, Uow
from klantenservice.web.portal import labels
from klantenservice.web.portal.forms import FormView
from klantenservice.web.portal.pages import Pages
from klantenservice.web.portal.session import Signed

router = APIRouter()


def _form_page(pages: Pages, signed: Signed, form: FormView, status: int = 200) -> Response:
    return pages.render(
        "portal/new.html",
        status,
        signed=signed,
        csrf_token=signed.csrf_token,
        form=form,
        categories=[(c.value, pages.gettext(label)) for c, label in labels.CATEGORY.items()],
        max_body=MAX_BODY_CHARS,
        max_subject=MAX_SUBJECT_CHARS,
    )


@router.get("/new")
def new_question(signed: Signed, pages: Pages) -> Response:
    return _form_page(pages, signed, FormView())


@router.post("/new")
def ask_question(
    signed: Signed,
    pages: Pages,
    context: Context,
    uow: Uow,
    now: Now,
    category: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    submission: Annotated[str, Form()] = "",
) -> Response:
    try:
        written = portal.ask_question(
            uow,
            customer=signed.customer,
            category=category,
            subject=subject,
            body=body,
            submission=submission,
            language=Language(pages.locale),
            now=now,
            options=context.intake,
        )
    except FormRejected as rejected:
        form = FormView.rejected(
            pages, rejected, submission, category=category, subject=subject, body=body
        )
        return _form_page(pages, signed, form, 422)
    sent = "new-fraud" if written.emergency else "new"
    return RedirectResponse(f"/portal/cases/{written.case_id}?sent={sent}", status_code=303)
