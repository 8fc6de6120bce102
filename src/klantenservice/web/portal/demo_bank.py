"""A stand-in for the bank's online banking, so demos and tests can sign in to the portal.

Mounted only with ``KS_PORTAL_DEMO_SIGN_IN=true``, which ``settings.py`` refuses in
production. It does what a bank does after its own login: it mints a signed assertion naming
the customer (their bank reference), the verification level and the portal's nonce, and
redirects the browser to ``/portal/sso``. Its key is the demo key (``adapters/portal_sso.py``).

    GET  /portal/demo-sign-in?nonce=...   lists a few customers with a bank reference and the
                                          verification levels to choose from
    POST /portal/demo-sign-in             mints the assertion, 303 to /portal/sso?assertion=

The form is CSRF-protected like the desk's login: its token is the HMAC of the portal's
sign-in cookie, which only this browser has.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import RedirectResponse, Response

from klantenservice.domain.customers import VerificationLevel
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.portal_sign_in import LEVEL_NAMES, parse_level
from klantenservice.services import portal_auth
from klantenservice.web import csrf
from klantenservice.web.deps import Context, Now, Uow
from klantenservice.web.desk.labels import N_
from klantenservice.web.portal.config import Config
from klantenservice.web.portal.pages import Pages
from klantenservice.web.portal.session import SIGN_IN_COOKIE, SSO_PATH, SignInState

router = APIRouter()

LEVELS = {
    VerificationLevel.AUTHENTICATED: N_("Signed in with the bank's app (authenticated)"),
    VerificationLevel.STRONG: N_("Identity document checked (strong)"),
    VerificationLevel.CONTACT: N_("Only a known phone number (contact; too low for the portal)"),
}


@router.get("/demo-sign-in")
def demo_sign_in_page(
    pages: Pages,
    context: Context,
    uow: Uow,
    nonce: str = "",
    cookie: Annotated[str | None, Cookie(alias=SIGN_IN_COOKIE)] = None,
) -> Response:
    state = SignInState.read(cookie)
    if state is None or not nonce:  # not started at /portal/sign-in: start there
        return RedirectResponse("/portal/sign-in", status_code=303)
    customers = portal_auth.demo_customers(uow(read_only=True))
    return pages.render(
        "portal/demo_sign_in.html",
        customers=customers,
        levels=[(level.name.lower(), label) for level, label in LEVELS.items()],
        nonce=nonce,
        form_token=csrf.token_for(state.nonce, context.settings.secret_key),
    )


@router.post("/demo-sign-in")
async def demo_sign_in(
    request: Request,
    context: Context,
    config: Config,
    now: Now,
    subject: Annotated[str, Form(max_length=64)] = "",
    level: Annotated[str, Form(max_length=20)] = "authenticated",
    nonce: Annotated[str, Form(max_length=128)] = "",
    cookie: Annotated[str | None, Cookie(alias=SIGN_IN_COOKIE)] = None,
) -> Response:
    state = SignInState.read(cookie)
    if state is None:
        raise csrf.CsrfRejected(csrf.MISSING)
    await csrf.require_token(request, state.nonce, context.settings.secret_key)
    if not subject or not nonce:
        raise ValidationError("choose a customer (subject) and keep the nonce of the portal")
    if level not in LEVEL_NAMES:
        raise ValidationError(f"level: {level!r} is not one of: {', '.join(LEVEL_NAMES)}")
    assert config.demo is not None  # this router is mounted only with the demo bank
    assertion = config.demo.mint(
        subject=subject,
        level=parse_level(level),
        nonce=nonce,
        now=now,
    )
    return RedirectResponse(f"{SSO_PATH}?{urlencode({'assertion': assertion})}", status_code=303)
