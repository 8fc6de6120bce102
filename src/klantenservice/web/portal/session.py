"""Who is signed in to the portal: the session cookie, its CSRF check, the sign-in cookie.

    request ─► portal_token: ks_portal cookie? no ─► SignInRequired (303 /portal/sign-in)
                    │ yes: unsafe method? ─► csrf.require_token (403 when missing/forged)
                    ▼
               get_portal_session: services/portal_auth.authenticate; ended ─► SignInRequired
                    ▼                                                          (expired notice)
               PortalSignedIn(customer, token, csrf_token) for the route and its page

Two cookies, both HttpOnly, ``SameSite=Lax``, ``Secure`` outside a developer's machine and
limited to ``/portal``, so the desk never receives them and the portal never receives the
staff session:

- ``ks_portal``: the session token (the store keeps only its digest);
- ``ks_portal_signin``: a random nonce set when the customer is sent to the bank, plus where to
  return; the bank's assertion must echo ``nonce_for(nonce)`` (``domain/portal_sign_in.py``).
  ``Lax`` lets it travel on the bank's top-level redirect back to ``/portal/sso``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, unquote, urlencode

from fastapi import Cookie, Depends, Request
from starlette.responses import Response

from klantenservice.domain.errors import AuthenticationFailed
from klantenservice.services import portal_auth
from klantenservice.services.portal_auth import PortalCustomer
from klantenservice.settings import Settings
from klantenservice.web import csrf
from klantenservice.web.deps import Context, Creds, Now, Uow

PREFIX = "/portal"
HOME_PATH = "/portal/"
SIGN_IN_PATH = "/portal/sign-in"
SSO_PATH = "/portal/sso"
DEMO_PATH = "/portal/demo-sign-in"
SESSION_COOKIE = "ks_portal"
SIGN_IN_COOKIE = "ks_portal_signin"
SIGN_IN_SECONDS = 10 * 60
_NONCE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class SignInRequired(Exception):
    """No usable portal session: send the customer to the sign-in page (and back)."""

    def __init__(self, *, expired: bool = False) -> None:
        super().__init__("portal sign-in required")
        self.expired = expired


@dataclass(frozen=True, slots=True)
class PortalSignedIn:
    customer: PortalCustomer
    token: str
    csrf_token: str


async def portal_token(
    request: Request,
    context: Context,
    cookie: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
) -> str:
    """The session cookie, after the CSRF check of an unsafe request (before any read)."""
    if not cookie:
        raise SignInRequired()
    await csrf.require_token(request, cookie, context.settings.secret_key)
    return cookie


def get_portal_session(
    token: Annotated[str, Depends(portal_token)],
    uow: Uow,
    now: Now,
    credentials: Creds,
    context: Context,
) -> PortalSignedIn:
    try:
        customer = portal_auth.authenticate(
            uow(read_only=True), token=token, now=now, credentials=credentials
        )
    except AuthenticationFailed:
        raise SignInRequired(expired=True) from None
    return PortalSignedIn(customer, token, csrf.token_for(token, context.settings.secret_key))


Signed = Annotated[PortalSignedIn, Depends(get_portal_session)]


def safe_next(value: str | None) -> str:
    """A portal path to return to; anything else (another site, the desk): the case list."""
    if not value or "\\" in value or value.startswith("//") or not value.startswith(PREFIX):
        return HOME_PATH
    if any(ord(ch) < 32 for ch in value):
        return HOME_PATH
    return value


def return_path(value: str | None) -> str:
    """Where to land after signing in: a portal page, not the sign-in steps themselves."""
    path = safe_next(value)
    return HOME_PATH if path.startswith((SIGN_IN_PATH, SSO_PATH, DEMO_PATH)) else path


def sign_in_url(request: Request, *, expired: bool) -> str:
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    params = {"next": back if request.method == "GET" else HOME_PATH}
    if expired:
        params["expired"] = "1"
    return f"{SIGN_IN_PATH}?{urlencode(params)}"


def cookie_is_secure(settings: Settings) -> bool:
    """Secure cookies everywhere but a developer's machine (plain http://localhost)."""
    return settings.environment != "local"


def set_session_cookie(
    response: Response, token: str, settings: Settings, lifetime: timedelta
) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        secure=cookie_is_secure(settings),
        samesite="lax",
        path=PREFIX,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path=PREFIX,
        httponly=True,
        secure=cookie_is_secure(settings),
        samesite="lax",
    )


# -- the sign-in cookie: a nonce for the bank to echo, and where to return afterwards ------


@dataclass(frozen=True, slots=True)
class SignInState:
    nonce: str
    next_path: str

    @classmethod
    def new(cls, next_path: str) -> SignInState:
        return cls(secrets.token_urlsafe(32), return_path(next_path))

    @classmethod
    def read(cls, value: str | None) -> SignInState | None:
        """The cookie's state; None when absent or not of our making."""
        if not value:
            return None
        nonce, _, next_path = value.partition(".")
        if not _NONCE.match(nonce):
            return None
        return cls(nonce, return_path(unquote(next_path)))

    def value(self) -> str:
        """``<nonce>.<next path, percent-encoded>``: only characters a cookie may hold."""
        return f"{self.nonce}.{quote(self.next_path, safe='')}"


def set_sign_in_cookie(response: Response, state: SignInState, settings: Settings) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE,
        state.value(),
        max_age=SIGN_IN_SECONDS,
        httponly=True,
        secure=cookie_is_secure(settings),
        samesite="lax",
        path=PREFIX,
    )


def clear_sign_in_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SIGN_IN_COOKIE,
        path=PREFIX,
        httponly=True,
        secure=cookie_is_secure(settings),
        samesite="lax",
    )
