"""Who is signed in to the desk: the session cookie, its CSRF check, and the way to login.

    request ─► session_token: ks_session cookie? no ─► LoginRequired (303 to /desk/login)
                    │ yes: unsafe method? ─► csrf.require_token (403 when missing/forged)
                    ▼
               get_desk_session: services/auth.authenticate; expired ─► LoginRequired
                    ▼
               DeskSession(actor, token, csrf_token) for the route and its page

The desk accepts the cookie only (no bearer tokens) and only staff users, not API tokens.
The cookie itself is set by ``desk/login.py`` (``set_session_cookie``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Cookie, Depends, Request
from starlette.responses import Response

from klantenservice.domain.errors import AuthenticationFailed
from klantenservice.services import auth
from klantenservice.services.ports import Actor
from klantenservice.settings import Settings
from klantenservice.web import csrf
from klantenservice.web.deps import SESSION_COOKIE, Context, Creds, Now, Uow

LOGIN_PATH = "/desk/login"
HOME_PATH = "/desk/"


class LoginRequired(Exception):
    """No usable session: send the person to the login page (and back afterwards)."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("login required")
        self.expired = expired


@dataclass(frozen=True, slots=True)
class DeskSession:
    actor: Actor
    token: str
    csrf_token: str


async def session_token(
    request: Request,
    context: Context,
    cookie: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
) -> str:
    """The session cookie, after the CSRF check of an unsafe request."""
    if not cookie:
        raise LoginRequired()
    await csrf.require_token(request, cookie, context.settings.secret_key)
    return cookie


def get_desk_session(
    token: Annotated[str, Depends(session_token)],
    uow: Uow,
    now: Now,
    credentials: Creds,
    context: Context,
) -> DeskSession:
    try:
        actor = auth.authenticate(
            uow(read_only=True), token=token, now=now, credentials=credentials
        )
    except AuthenticationFailed:
        raise LoginRequired(expired=True) from None
    if actor.kind != "user":
        raise LoginRequired()  # an API token in the cookie: the desk is for people
    return DeskSession(actor, token, csrf.token_for(token, context.settings.secret_key))


Session = Annotated[DeskSession, Depends(get_desk_session)]


def safe_next(value: str | None) -> str:
    """A desk path to return to after login or a language switch; anything else: the inbox.

    Only same-site desk paths are followed (no scheme, no ``//host``, no backslash), so the
    parameter cannot send a person to another site (open redirect).
    """
    if not value or "\\" in value or value.startswith("//") or not value.startswith("/desk"):
        return HOME_PATH
    if any(ord(ch) < 32 for ch in value):
        return HOME_PATH
    return value


def login_url(request: Request, *, expired: bool) -> str:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    params = {"next": back if request.method == "GET" else HOME_PATH}
    if expired:
        params["expired"] = "1"
    return f"{LOGIN_PATH}?{urlencode(params)}"


def cookie_is_secure(settings: Settings) -> bool:
    """Secure cookies everywhere but a developer's machine (plain http://localhost)."""
    return settings.environment != "local"


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(timedelta(hours=settings.session_hours).total_seconds()),
        httponly=True,
        secure=cookie_is_secure(settings),
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=cookie_is_secure(settings), samesite="lax"
    )
