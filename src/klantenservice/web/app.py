"""The FastAPI application: ``create_app(settings)`` builds everything, nothing at import.

    request ─► RequestSizeLimit ─► UnexpectedErrors ─► router (api/*.py) ─► one service call
                                                          │ deps.py: context, clock, actor
                                                          └ errors.py: DomainError → HTTP

The engine, the unit-of-work factory, the clock and the credentials live in one
``AppContext`` on ``app.state``; tests pass a fixed clock and fast password hashing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import cast

from fastapi import FastAPI

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.services.assignment import routing_policy
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import Clock, Credentials, UnitOfWorkFactory
from klantenservice.settings import Settings, get_settings
from klantenservice.web import errors
from klantenservice.web.api import admin, agents, audit, auth, cases, customers, health, messages
from klantenservice.web.deps import AppContext

API_PREFIX = "/api/v1"
ROUTERS = (
    auth.router,
    messages.router,
    customers.router,
    cases.router,
    agents.router,
    admin.router,
    audit.router,
    health.router,
)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    credentials: Credentials | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    context = AppContext(
        settings=settings,
        engine=engine,
        # cast: the UnitOfWork protocol declares its repositories as mutable attributes, which
        # mypy matches invariantly (SqlCustomers is not CustomerRepository); see the report.
        uow_factory=cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine)),
        clock=clock or SystemClock(),
        credentials=credentials or Argon2Credentials(),
        intake=intake_options(settings),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Klantenservice API",
        version="1",
        summary="Cases, channels, routing and service promises for customer service in banks.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.context = context
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router, include_in_schema=False)  # /health for load balancers
    return app


def intake_options(settings: Settings) -> IntakeOptions:
    return IntakeOptions(
        routing=routing_policy(settings.routing_relax_after_minutes),
        reopen_window=timedelta(days=settings.reopen_window_days),
        auto_assign=settings.auto_assign,
    )
