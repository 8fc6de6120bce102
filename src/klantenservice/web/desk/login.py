"""Signing in to and out of the desk, and choosing the language.

The login form posts e-mail, password and the optional second-factor code to
``services/auth.login``; success sets the ``ks_session`` cookie (HttpOnly, SameSite=Lax,
Secure outside a developer's machine) and returns to where the person was going. A wrong
combination is answered with one message that does not say which part was wrong, as the
service does. The form is protected against login CSRF by the ``ks_login`` nonce
(``web/csrf.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from klantenservice.domain.errors import AuthenticationFailed, ValidationError
from klantenservice.services import auth
from klantenservice.settings import Settings
from klantenservice.web import csrf, i18n
from klantenservice.web.deps import Context, Creds, Now, Uow
from klantenservice.web.desk.labels import N_
from klantenservice.web.desk.pages import PageRenderer, Pages
from klantenservice.web.desk.session import (
    LOGIN_PATH,
    Session,
    clear_session_cookie,
    cookie_is_secure,
    safe_next,
    set_session_cookie,
)

router = APIRouter()

BAD_LOGIN = N_("The e-mail address, password or code is wrong.")
MISSING_FIELDS = N_("Fill in your e-mail address and password.")
LOGIN_EXPIRED = N_("The login form had expired. Please try again.")
SESSION_EXPIRED = N_("Your session has ended. Please sign in again.")
SIGNED_OUT = N_("You have signed out.")
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def _login_page(
    pages: Pages,
    settings: Settings,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    """The form with a fresh login nonce (cookie) and its token (hidden field)."""
    nonce = csrf.new_login_nonce()
    response = pages.render(
        "desk/login.html",
        status,
        form_token=csrf.token_for(nonce, settings.secret_key),
        next_path=next_path,
        email=email,
        error=None if error is None else pages.gettext(error),
        notice=None if notice is None else pages.gettext(notice),
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        nonce,
        max_age=3600,
        httponly=True,
        secure=cookie_is_secure(settings),
        samesite="lax",
        path=LOGIN_PATH,
    )
    return response


@router.get("/login")
async def login_form(
    pages: PageRenderer,
    context: Context,
    next: str = "/desk/",
    expired: bool = False,
    signed_out: bool = False,
) -> Response:
    notice = SESSION_EXPIRED if expired else SIGNED_OUT if signed_out else None
    return _login_page(pages, context.settings, next_path=safe_next(next), notice=notice)


@router.post("/login")
async def login(
    request: Request,
    pages: PageRenderer,
    context: Context,
    uow: Uow,
    now: Now,
    credentials: Creds,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    totp_code: Annotated[str, Form(max_length=16)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/desk/",
    nonce: Annotated[str | None, Cookie(alias=csrf.LOGIN_COOKIE)] = None,
) -> Response:
    settings = context.settings
    target = safe_next(next)
    page = {"next_path": target, "email": email.strip()}
    try:
        if not nonce:  # no pre-session cookie: not our form, or it expired
            raise csrf.CsrfRejected(csrf.MISSING)
        await csrf.require_token(request, nonce, settings.secret_key)
    except csrf.CsrfRejected:
        return _login_page(pages, settings, **page, error=LOGIN_EXPIRED, status=403)
    if not email.strip() or not password:
        return _login_page(pages, settings, **page, error=MISSING_FIELDS, status=422)
    try:
        token, _actor = await run_in_threadpool(
            auth.login,
            uow(),
            email=email,
            password=password,
            totp_code=totp_code.replace(" ", "") or None,
            now=now,
            credentials=credentials,
            session_hours=settings.session_hours,
        )
    except AuthenticationFailed:
        return _login_page(pages, settings, **page, error=BAD_LOGIN, status=401)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, token, settings)
    response.delete_cookie(csrf.LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post("/logout")
def logout(session: Session, context: Context, uow: Uow, now: Now, credentials: Creds) -> Response:
    auth.logout(uow(), actor=session.actor, token=session.token, now=now, credentials=credentials)
    response = RedirectResponse(f"{LOGIN_PATH}?signed_out=1", status_code=303)
    clear_session_cookie(response, context.settings)
    return response


@router.get("/language")
async def choose_language(context: Context, to: str, next: str = "/desk/") -> Response:
    """The language switch: remember the choice (it wins over the browser's languages)."""
    chosen = i18n.supported(to)
    if chosen is None:
        raise ValidationError(f"to: {to!r} is not a language of the desk; use nl or en")
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        i18n.LANGUAGE_COOKIE,
        chosen,
        max_age=LANGUAGE_COOKIE_SECONDS,
        httponly=True,
        secure=cookie_is_secure(context.settings),
        samesite="lax",
        path="/",
    )
    return response
