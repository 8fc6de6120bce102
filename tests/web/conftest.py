"""Fixtures of the web tests: an app on a fresh database, a test client, the world.

``world`` (see ``support.py``) is what most tests start from; ``client`` and ``app`` are
there for tests that need less (health, OpenAPI) or more (a route that fails on purpose).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

with warnings.catch_warnings():
    # Starlette 1.10 prefers the httpx2 fork for its test client and warns when it runs on
    # httpx (which the project pins); the client works the same. Drop this once on httpx2.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from tests.web.support import PASSWORD, FakeClock, World, build_world

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.security import fast_hasher
from klantenservice.domain.vocabulary import Role
from klantenservice.services import auth
from klantenservice.services.ports import SYSTEM
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.deps import AppContext

ADMIN_EMAIL = "beheer@bank.nl"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def intake_writer() -> str:
    """``KS_INTAKE_WRITER`` of the web tests: the thread (no child process to start per test).

    The core intake tests (test_intake.py) run with both writers; the browser tests and the
    two-process live test run real servers with the default (``process``).
    """
    return "thread"


@pytest.fixture
def app(database_url: str, clock: FakeClock, intake_writer: str) -> FastAPI:
    settings = Settings(database_url=database_url, environment="test", intake_writer=intake_writer)
    return create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))


@pytest.fixture
def context(app: FastAPI) -> AppContext:
    context: AppContext = app.state.context
    return context


@pytest.fixture
def client(app: FastAPI, context: AppContext) -> Iterator[TestClient]:
    """A client of a running app (lifespan entered) with one administrator account."""
    auth.create_staff_user(
        context.uow_factory(),
        actor=SYSTEM,
        email=ADMIN_EMAIL,
        name="Beheer",
        password=PASSWORD,
        roles=frozenset({Role.ADMIN}),
        now=context.clock.now(),
        credentials=context.credentials,
    )
    with TestClient(app) as client:
        yield client


@pytest.fixture
def world(client: TestClient, clock: FakeClock) -> World:
    return build_world(client, clock, ADMIN_EMAIL)
