"""The FastAPI application: ``create_app(settings)`` builds everything, nothing at import.

    request ─► RequestSizeLimit ─► UnexpectedErrors ─► router (api/*.py) ─► one service call
                                                          │ deps.py: context, clock, actor
                                                          └ errors.py: DomainError → HTTP

The engine, the unit-of-work factory, the clock and the credentials live in one
``AppContext`` on ``app.state``; tests pass a fixed clock and fast password hashing.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.group_commit import GroupCommitter
from klantenservice.adapters.live.choice import live_bus_for
from klantenservice.adapters.writer_process import WriterProcess, WriterSpec
from klantenservice.configured import intake_options
from klantenservice.services import inbound
from klantenservice.services.inbound import IntakeOptions, IntakeRequest, IntakeResult
from klantenservice.services.live import LivePublisher
from klantenservice.services.ports import Clock, Credentials, UnitOfWorkFactory
from klantenservice.settings import Settings, get_settings
from klantenservice.web import errors
from klantenservice.web.api import (
    admin,
    agents,
    attachments,
    audit,
    auth,
    cases,
    customer_matches,
    customers,
    emergency,
    health,
    incidents,
    intake,
    live,
    messages,
    reply_templates,
    voice,
    whatsapp,
)
from klantenservice.web.deps import AppContext
from klantenservice.web.voice.routes import router as voice_router
from klantenservice.web.webhooks import router as webhooks_router

API_PREFIX = "/api/v1"
ROUTERS = (
    auth.router,
    intake.router,
    messages.router,
    customers.router,
    customer_matches.router,
    cases.router,
    attachments.router,  # /cases/{id}/attachments: what customers attached
    agents.router,
    admin.router,
    reply_templates.router,
    audit.router,
    health.router,
    live.router,
    voice.router,
    whatsapp.router,
    incidents.router,  # incident mode: declare, end, report
    emergency.router,  # the emergency lane: metrics, reports, contacts, SOS for the app
)


class KlantenserviceAPI(FastAPI):
    """FastAPI, with the intake endpoint answered in front of its middleware stack.

    ``intake.fast_path`` has its own size limit and 500 handler; everything else, including
    the documented intake route, goes through FastAPI as usual (``web/api/intake.py``).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.intake_fast_path: ASGIApp = intake.fast_path()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if intake.is_intake(scope):
            scope["app"] = self  # as Starlette would, for request.app
            await self.intake_fast_path(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    credentials: Credentials | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    live_bus, live_publisher = live_bus_for(settings.database_url)  # started in lifespan
    # cast: the UnitOfWork protocol declares its repositories as mutable attributes, which
    # mypy matches invariantly (SqlCustomers is not CustomerRepository); see the report.
    sql_uow_factory = SqlUnitOfWorkFactory(engine, live=live_publisher)
    uow_factory = cast(UnitOfWorkFactory, sql_uow_factory)
    clock = clock or SystemClock()
    credentials = credentials or Argon2Credentials()
    options = intake_options(settings)
    context = AppContext(
        settings=settings,
        engine=engine,
        uow_factory=uow_factory,
        clock=clock,
        credentials=credentials,
        intake=options,
        intake_writer=intake_writer(
            settings, sql_uow_factory, clock, credentials, options, live_publisher
        ),
        live=live_bus,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await live_bus.start()
        await context.intake_writer.start()  # the process writer's child, before requests
        # Everything built at startup lives as long as the process: keep it out of the
        # collector's full passes, which otherwise walk it again and again under load.
        gc.freeze()
        yield
        await live_bus.stop()
        context.intake_writer.close()
        engine.dispose()

    app = KlantenserviceAPI(
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
    app.include_router(webhooks_router)  # /webhooks/whatsapp, /webhooks/sms (provider-signed)
    app.include_router(voice_router)  # /voice/*: Twilio Voice webhooks (signed), TwiML
    install_desk(app, context)
    install_portal(app, context)
    install_widget(app, context)  # /chat (customer chat widget) and /demo/bank
    return app


def install_desk(app: FastAPI, context: AppContext) -> None:
    """The agent desk's pages under /desk (web/desk/) and their static files under /static."""
    from fastapi.staticfiles import StaticFiles  # noqa: PLC0415 - only the web UI needs it

    from klantenservice.web.desk.app import create_desk_app  # noqa: PLC0415

    app.mount("/static", StaticFiles(packages=[("klantenservice.web", "static")]), name="static")
    app.mount("/desk", create_desk_app(context), name="desk")


def install_portal(app: FastAPI, context: AppContext) -> None:
    """The customer portal's pages under /portal (web/portal/); static files as the desk's."""
    from klantenservice.web.portal.app import create_portal_app  # noqa: PLC0415
    from klantenservice.web.portal.sos import redirect_to_form  # noqa: PLC0415

    app.mount("/portal", create_portal_app(context), name="portal")
    app.add_api_route("/sos", redirect_to_form, include_in_schema=False)  # the short address


def install_widget(app: FastAPI, context: AppContext) -> None:
    """The customer chat widget under /chat and its demo bank page under /demo (web/widget/)."""
    from klantenservice.web.widget.app import mount_widget  # noqa: PLC0415

    mount_widget(app, context)


def intake_writer(
    settings: Settings,
    uow_factory: SqlUnitOfWorkFactory,
    clock: Clock,
    credentials: Credentials,
    options: IntakeOptions,
    live: LivePublisher | None,
) -> GroupCommitter[IntakeRequest, IntakeResult]:
    """Batches concurrent inbound messages into one transaction each (group commit).

    ``KS_INTAKE_WRITER``: written by a child process (``process``: the writer's Python runs
    beside the event loop's instead of taking turns on one GIL) or by a thread of this
    process (``thread``); same batches, same outcomes (docs/subsystems/intake.md).
    """
    if settings.intake_writer == "process":
        spec = WriterSpec(
            database_url=settings.database_url,
            sqlite_synchronous=settings.sqlite_synchronous,
            options=options,
            credentials=credentials,
            collect_live=live is not None,
        )
        cache = uow_factory.cache
        process = WriterProcess(spec, clock, live=live, config_generation=lambda: cache.generation)
        return GroupCommitter(
            process, name="intake-writer", on_start=process.start, on_close=process.close
        )
    return thread_writer(cast(UnitOfWorkFactory, uow_factory), clock, credentials, options)


def thread_writer(
    uow_factory: UnitOfWorkFactory, clock: Clock, credentials: Credentials, options: IntakeOptions
) -> GroupCommitter[IntakeRequest, IntakeResult]:
    """The batches written by the committer's thread, in this process."""

    memo = inbound.RoutingMemo()  # used by the committer's one writer thread only

    def write(requests: Sequence[IntakeRequest]) -> list[IntakeResult | Exception]:
        return inbound.receive_batch(
            uow_factory,
            requests,
            now=clock.now(),
            options=options,
            credentials=credentials,
            memo=memo,
        )

    return GroupCommitter(write, name="intake-writer")
