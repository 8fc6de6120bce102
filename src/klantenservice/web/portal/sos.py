"""The SOS form (``/portal/sos``, also reached as ``/sos``): report fraud without signing in.

- ``GET /portal/sos``: the form (what happened, a phone number or e-mail address, optionally a
  name, a few words, "block my card now" with the last four digits).
- ``POST /portal/sos``: stores the report through the intake (``services/sos.py``) and
  redirects (303) to its confirmation, which shows the reference and the time of receipt to the
  second at once. A form with problems comes back (422) with each problem at its field.
- ``GET /portal/sos/r/{reference}?k=...``: the confirmation, retrievable for as long as the
  report is kept (18 months, PSD2 art. 70(1)(c)); a wrong key is a 404 that tells nothing.

No CSRF token: the form authenticates nobody and changes nothing anyone owns, so a forged
cross-site post can do nothing a script posting directly could not, and an emergency form must
not refuse a customer whose browser drops cookies. What does protect the lane from floods is a
per-address limit (``StartLimits``, as for chat starts); over it the page gives the phone number.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from klantenservice.domain.chat import StartLimits
from klantenservice.domain.emergency_reports import normalise_reference
from klantenservice.domain.errors import NotFound
from klantenservice.domain.sos import (
    MAX_DESCRIPTION_CHARS,
    SosKind,
    SosProblem,
    SosRejected,
    check_sos,
)
from klantenservice.domain.vocabulary import Language
from klantenservice.services import sos
from klantenservice.web.deps import Context, Now, Uow
from klantenservice.web.desk.labels import N_
from klantenservice.web.portal.forms import new_submission
from klantenservice.web.portal.pages import Pages

router = APIRouter()

KINDS = {
    SosKind.MONEY_LEAVING: N_("Money is leaving my account, or I see payments I did not make"),
    SosKind.CARD_LOST_OR_STOLEN: N_("My card is lost or stolen"),
    SosKind.ACCOUNT_TAKEN_OVER: N_("Someone else got into my account or app"),
    SosKind.PHISHING: N_("I gave my codes or details to someone posing as the bank"),
}
PROBLEMS = {
    SosProblem.KIND_MISSING: N_("Choose what happened."),
    SosProblem.CONTACT_MISSING: N_(
        "Give a phone number or an e-mail address, so we can reach you."
    ),
    SosProblem.PHONE_INVALID: N_("This is not a phone number we can call. Check the number."),
    SosProblem.EMAIL_INVALID: N_("This is not a valid e-mail address."),
    SosProblem.CARD_DIGITS: N_("Give only the last 4 digits of your card, never the whole number."),
    SosProblem.DESCRIPTION_TOO_LONG: N_("Please keep it shorter: at most 2,000 characters."),
    SosProblem.NAME_TOO_LONG: N_("The name is too long."),
    SosProblem.SUBMISSION: N_("The form has expired. Please fill it in again."),
}


def _form(
    pages: Pages,
    context: Context,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    submission: str | None = None,
    status: int = 200,
) -> Response:
    return pages.render(
        "portal/sos.html",
        status,
        kinds=[(kind.value, pages.gettext(label)) for kind, label in KINDS.items()],
        values=values or {},
        errors=errors or {},
        submission=submission or new_submission(),
        max_description=MAX_DESCRIPTION_CHARS,
        emergency_number=context.settings.emergency_phone_number,
    )


@router.get("/sos")
def sos_form(pages: Pages, context: Context) -> Response:
    return _form(pages, context)


@router.post("/sos")
async def sos_report(
    request: Request,
    pages: Pages,
    context: Context,
    uow: Uow,
    now: Now,
    kind: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    block_card: Annotated[str, Form()] = "",
    card_last_four: Annotated[str, Form()] = "",
    submission: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "kind": kind, "phone": phone, "email": email, "name": name,
        "description": description, "block_card": block_card, "card_last_four": "",
    }  # fmt: skip  # the card digits are not echoed back into the page
    address = request.client.host if request.client else "?"
    if not sos_limits(request).allow(address, now):
        return pages.render(
            "portal/sos_busy.html", 429, emergency_number=context.settings.emergency_phone_number
        )
    try:
        form = check_sos(
            kind=kind, phone=phone, email=email, name=name, description=description,
            block_card=bool(block_card), card_last_four=card_last_four, submission=submission,
        )  # fmt: skip
    except SosRejected as rejected:
        errors = {field: pages.gettext(PROBLEMS[p]) for field, p in rejected.problems.items()}
        keep = submission if "submission" not in errors else None
        return _form(pages, context, values=values, errors=errors, submission=keep, status=422)
    receipt = await run_in_threadpool(
        sos.report_sos,
        uow,
        form,
        language=Language(pages.locale),
        now=now,
        options=context.intake,
        secret=context.settings.secret_key,
    )
    target = f"/portal/sos/r/{receipt.reference}?k={receipt.key}&sent=1"
    return RedirectResponse(target, status_code=303)


@router.get("/sos/r/{reference}")
def sos_confirmation(
    reference: str,
    pages: Pages,
    context: Context,
    uow: Uow,
    k: Annotated[str, Query(max_length=64)] = "",
    sent: Annotated[str, Query(max_length=1)] = "",
) -> Response:
    normal = normalise_reference(reference)
    if normal is None:
        raise NotFound("there is no report with this reference and key")
    found = sos.confirmation(uow, normal, k, context.settings.secret_key)
    return pages.render(
        "portal/sos_receipt.html",
        report=found.report,
        block=found.block.value if found.block else None,
        kind_label=_kind_label(found.report.kind.value if found.report.kind else None),
        sent=bool(sent),
        emergency_number=context.settings.emergency_phone_number,
    )


def _kind_label(kind: str | None) -> str:
    by_emergency = {sos_kind.emergency.value: label for sos_kind, label in KINDS.items()}
    return by_emergency.get(kind or "", N_("Emergency report"))


def sos_limits(request: Request) -> StartLimits:
    """Reports per client address, one table per application (5 at once, then 20 an hour)."""
    state = request.app.state
    limits: StartLimits | None = getattr(state, "sos_limits", None)
    if limits is None:
        limits = state.sos_limits = StartLimits(burst=5, per_hour=20.0)
    return limits


def redirect_to_form() -> RedirectResponse:
    """``/sos`` on the main app: the short address printed on cards and in auto-replies."""
    return RedirectResponse("/portal/sos", status_code=307)
