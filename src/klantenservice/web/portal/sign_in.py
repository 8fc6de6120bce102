"""Signing in with the bank's online banking, signing out, and choosing the language.

    GET  /portal/sign-in   sets ks_portal_signin (a nonce, where to return) and links to the
                           bank's sign-in page with ?nonce=<HMAC of the cookie's nonce>&lang=
    GET  /portal/sso       the bank sends the customer back with ?assertion=<signed JWT>:
                           services/portal_auth.sign_in checks it; a session cookie is set and
                           the customer lands where they were going
    POST /portal/sign-out  ends the session (CSRF-checked like every unsafe request)
    GET  /portal/language  the language switch

``/portal/sso`` is a GET, as an OpenID Connect redirect with a one-time code is: the bank's
top-level redirect carries the ``SameSite=Lax`` sign-in cookie only on a GET. What protects it
against cross-site use is not a CSRF token but the nonce: an assertion counts only in the
browser whose cookie it echoes, only once, and only for a few minutes. The address with the
assertion is answered with a redirect and ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Cookie, Query
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from klantenservice.domain.errors import AuthenticationFailed, ValidationError
from klantenservice.domain.portal_sign_in import NotVerifiedEnough, UnknownCustomer, nonce_for
from klantenservice.services import portal_auth
from klantenservice.web import i18n
from klantenservice.web.deps import Context, Creds, Now, Uow
from klantenservice.web.desk.labels import N_
from klantenservice.web.portal.config import Config
from klantenservice.web.portal.pages import Pages
from klantenservice.web.portal.session import (
    SIGN_IN_COOKIE,
    SIGN_IN_PATH,
    Signed,
    SignInState,
    clear_session_cookie,
    clear_sign_in_cookie,
    cookie_is_secure,
    return_path,
    safe_next,
    set_session_cookie,
    set_sign_in_cookie,
)

router = APIRouter()

SESSION_EXPIRED = N_("Your session has ended. Please sign in again.")
SIGNED_OUT = N_("You have signed out.")
NOT_SET_UP = N_("Signing in to your cases is not available right now. Please contact us by phone.")
FAILED = N_("Signing in did not work")
FAILURES = {
    "invalid": N_(
        "The sign-in took too long, was used already, or did not come from your bank. "
        "Please sign in again."
    ),
    "level": N_(
        "To see your cases, sign in to online banking with a verified identity, for "
        "example with the bank's app. Then try again."
    ),
    "unknown": N_(
        "We could not find your details at customer service. Please contact us by phone."
    ),
}
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


@router.get("/sign-in")
async def sign_in_page(
    pages: Pages,
    context: Context,
    config: Config,
    next: str = "/portal/",
    expired: bool = False,
    signed_out: bool = False,
    cookie: Annotated[str | None, Cookie(alias=SIGN_IN_COOKIE)] = None,
) -> Response:
    """Where the customer starts; a sign-in already under way (other tab) keeps its nonce."""
    settings = context.settings
    known = SignInState.read(cookie)
    state = SignInState.new(next) if known is None else SignInState(known.nonce, return_path(next))
    notice = SESSION_EXPIRED if expired else SIGNED_OUT if signed_out else None
    bank_url = None
    if config.login_url is not None:
        query = {"nonce": nonce_for(state.nonce, settings.secret_key), "lang": pages.locale}
        bank_url = f"{config.login_url}?{urlencode(query)}"
    response = pages.render(
        "portal/sign_in.html",
        200 if bank_url else 503,
        bank_url=bank_url,
        notice=None if notice is None else pages.gettext(notice),
        not_set_up=None if bank_url else pages.gettext(NOT_SET_UP),
    )
    set_sign_in_cookie(response, state, settings)
    return response


@router.get("/sso")
async def single_sign_on(
    pages: Pages,
    context: Context,
    config: Config,
    uow: Uow,
    now: Now,
    credentials: Creds,
    assertion: Annotated[str, Query(max_length=8192)] = "",
    cookie: Annotated[str | None, Cookie(alias=SIGN_IN_COOKIE)] = None,
) -> Response:
    settings = context.settings
    state = SignInState.read(cookie)
    expected = None if state is None else nonce_for(state.nonce, settings.secret_key)
    try:
        token, _customer, _assertion = await run_in_threadpool(
            portal_auth.sign_in,
            uow(),
            token=assertion,
            verifier=config.verifier,
            expected_nonce=expected,
            policy=config.policy,
            now=now,
            credentials=credentials,
        )
    except NotVerifiedEnough as error:
        return _failed(pages, 403, "level", error.message)
    except UnknownCustomer as error:
        return _failed(pages, 403, "unknown", error.message)
    except AuthenticationFailed as error:
        return _failed(pages, 401, "invalid", error.message)
    target = state.next_path if state is not None else "/portal/"
    response = RedirectResponse(target, status_code=303, headers={"Referrer-Policy": "no-referrer"})
    set_session_cookie(response, token, settings, config.policy.session_length)
    clear_sign_in_cookie(response, settings)
    return response


def _failed(pages: Pages, status: int, reason: str, detail: str) -> Response:
    response = pages.render(
        "portal/sign_in_failed.html",
        status,
        headers={"Referrer-Policy": "no-referrer"},
        title=pages.gettext(FAILED),
        text=pages.gettext(FAILURES[reason]),
        detail=detail,
    )
    return response


@router.post("/sign-out")
def sign_out(signed: Signed, context: Context, uow: Uow, now: Now, credentials: Creds) -> Response:
    portal_auth.sign_out(
        uow(), customer=signed.customer, token=signed.token, now=now, credentials=credentials
    )
    response = RedirectResponse(f"{SIGN_IN_PATH}?signed_out=1", status_code=303)
    clear_session_cookie(response, context.settings)
    return response


@router.get("/language")
async def choose_language(context: Context, to: str, next: str = "/portal/") -> Response:
    """The language switch: remember the choice (it wins over the browser's languages)."""
    chosen = i18n.supported(to)
    if chosen is None:
        raise ValidationError(f"to: {to!r} is not a language of the portal; use nl or en")
    response = RedirectResponse(safe_next(next), status_code=303)
    _set_language(response, chosen, context)
    return response


def _set_language(response: Response, locale: str, context: Context) -> None:
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        locale,
        max_age=LANGUAGE_COOKIE_SECONDS,
        httponly=True,
        secure=cookie_is_secure(context.settings),
        samesite="lax",
        path="/",
    )
