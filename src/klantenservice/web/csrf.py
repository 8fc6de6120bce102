"""Cross-site request forgery protection for everything the session cookie authenticates.

A browser sends the ``ks_session`` cookie with every request to this site, also with a form
another site posts here; a bearer token is never sent by the browser on its own, so only
cookie-authenticated requests need this. Every unsafe request (not GET/HEAD/OPTIONS/TRACE)
that is authenticated by the cookie must carry the session's CSRF token, in the
``X-CSRF-Token`` header (htmx sends it on every request: ``hx-headers`` on ``<body>``; API
clients too) or in the ``csrf_token`` form field (plain HTML forms). Missing or wrong: 403,
checked before the session is looked up, so nothing is read or changed.

The token is ``HMAC-SHA256(KS_SECRET_KEY, "csrf" + session token)``: tied to one session,
stateless (nothing stored), not derivable without the server's secret, and it changes at every
login. A page gets it from ``token_for`` when it is rendered.

The login form has no session yet. It is protected the same way against login CSRF (being
signed in to an attacker's account) by a random pre-session nonce in the ``ks_login`` cookie
(SameSite=Lax, so a cross-site POST does not carry it) whose HMAC the form must echo.

Used in one place each: ``web/deps.get_token`` (the JSON API) and ``web/desk/session.py``
(the desk), both through ``require_token``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from klantenservice.domain.errors import PermissionDenied

HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
LOGIN_COOKIE = "ks_login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

MISSING = (
    f"this request is authenticated by the session cookie and needs the session's CSRF token "
    f"in the {HEADER} header or the {FIELD} form field; reload the page and try again"
)
FORGED = (
    "the CSRF token does not belong to this session; reload the page and try again "
    "(nothing was changed)"
)


class CsrfRejected(PermissionDenied):
    """An unsafe cookie-authenticated request without the session's CSRF token (403)."""

    code = "csrf_failed"


def token_for(value: str, secret: str) -> str:
    """The CSRF token of a session token (or of a login nonce)."""
    digest = hmac.new(secret.encode(), b"csrf\x00" + value.encode(), hashlib.sha256)
    return digest.hexdigest()


def new_login_nonce() -> str:
    return secrets.token_urlsafe(32)


def is_unsafe(request: Request) -> bool:
    return request.method.upper() not in SAFE_METHODS


async def sent_token(request: Request) -> str | None:
    """The token the request carries: the header, else the form field of a form post."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        form = await request.form()  # parsed once: Starlette caches it for the route
        value = form.get(FIELD)
        return value if isinstance(value, str) and value else None
    return None


async def require_token(request: Request, value: str, secret: str) -> None:
    """Refuse an unsafe request that lacks ``token_for(value)``; safe methods pass."""
    if not is_unsafe(request):
        return
    sent = await sent_token(request)
    if sent is None:
        raise CsrfRejected(MISSING)
    if not hmac.compare_digest(sent.encode(), token_for(value, secret).encode()):
        raise CsrfRejected(FORGED)
