"""Typed dependencies of the routes: the application context, the clock, the actor, paging.

Everything a route needs arrives through an ``Annotated`` alias defined here (``Uow``,
``Now``, ``CurrentActor``, ``Paging``, ...), so a route's signature says what it uses. The
values live in one typed ``AppContext`` built by ``create_app``; nothing is global.

Dependencies that only read memory are ``async def`` so FastAPI calls them on the event loop
instead of handing them to the threadpool; ``get_actor`` reads the database and is ``def``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from klantenservice.adapters.group_commit import GroupCommitter
from klantenservice.domain.errors import AuthenticationFailed, ValidationError
from klantenservice.services import auth
from klantenservice.services.inbound import IntakeOptions, IntakeRequest, IntakeResult
from klantenservice.services.live import LiveBus
from klantenservice.services.ports import Actor, Clock, Credentials, UnitOfWorkFactory
from klantenservice.settings import Settings
from klantenservice.web import csrf

SESSION_COOKIE = "ks_session"
NOT_SIGNED_IN = (
    "sign in first: send 'Authorization: Bearer <token>' (session or API token) "
    f"or the {SESSION_COOKIE} cookie set by POST /api/v1/auth/login"
)


@dataclass(frozen=True, slots=True)
class AppContext:
    """What ``create_app`` builds once and every request shares."""

    settings: Settings
    engine: Engine
    uow_factory: UnitOfWorkFactory
    clock: Clock
    credentials: Credentials
    intake: IntakeOptions
    # inbound messages are written in batches by one writer thread (adapters/group_commit.py)
    intake_writer: GroupCommitter[IntakeRequest, IntakeResult]
    # live updates: in-process on SQLite, LISTEN/NOTIFY on PostgreSQL (adapters/live/)
    live: LiveBus


async def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


Context = Annotated[AppContext, Depends(get_context)]


async def get_uow_factory(context: Context) -> UnitOfWorkFactory:
    return context.uow_factory


async def get_now(context: Context) -> datetime:
    """One reading of the clock per request, shared by every dependency that asks."""
    return context.clock.now()


async def get_credentials(context: Context) -> Credentials:
    return context.credentials


Uow = Annotated[UnitOfWorkFactory, Depends(get_uow_factory)]
Now = Annotated[datetime, Depends(get_now)]
Creds = Annotated[Credentials, Depends(get_credentials)]

_bearer = HTTPBearer(
    auto_error=False,
    description="a session token from POST /api/v1/auth/login, or an API token (ks_...)",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="the session cookie set at login"
)


async def get_token(
    request: Request,
    context: Context,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> str:
    """The raw token of the request: the bearer header wins over the cookie.

    A browser sends the cookie on its own, so an unsafe request authenticated by it must also
    carry the session's CSRF token (``web/csrf.py``); a missing or wrong one is a 403.
    """
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    if cookie:
        await csrf.require_token(request, cookie, context.settings.secret_key)
        return cookie
    raise AuthenticationFailed(NOT_SIGNED_IN)


Token = Annotated[str, Depends(get_token)]


async def token_of(request: Request) -> str:
    """``get_token`` for a route that takes only the request (the intake hot path).

    FastAPI resolves each declared dependency per request at a cost of tens of µs; the
    intake route reads the same two credentials itself, by the same rules.
    """
    context: AppContext = request.app.state.context
    return await get_token(request, context, await _bearer(request), await _cookie(request))


def get_actor(token: Token, uow: Uow, now: Now, credentials: Creds) -> Actor:
    """The signed-in user or integration; permissions are checked by the services."""
    return auth.authenticate(uow(read_only=True), token=token, now=now, credentials=credentials)


CurrentActor = Annotated[Actor, Depends(get_actor)]


@dataclass(frozen=True, slots=True)
class PageParams:
    after: int
    limit: int


async def get_page_params(
    context: Context,
    after: Annotated[int, Query(ge=0, description="the last id of the previous page")] = 0,
    limit: Annotated[int, Query(ge=1, description="page size, at most KS_PAGE_SIZE_MAX")] = 50,
) -> PageParams:
    maximum = context.settings.page_size_max
    if limit > maximum:
        raise ValidationError(f"limit must be between 1 and {maximum}, got {limit}")
    return PageParams(after=after, limit=limit)


Paging = Annotated[PageParams, Depends(get_page_params)]
