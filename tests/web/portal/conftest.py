"""Fixtures of the portal's web tests: the app with the demo bank, two bank customers.

The portal's cookies are ``Secure`` outside a developer's machine (the app runs with
``environment="test"``), so the client talks to ``https://testserver`` as a browser would.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():  # see tests/web/conftest.py
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

from tests.web.portal.support import SECRET, Portal, add_customers
from tests.web.support import FakeClock, World

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.security import fast_hasher
from klantenservice.settings import Settings
from klantenservice.web.app import create_app
from klantenservice.web.deps import AppContext


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> FastAPI:
    """The web tests' app, with the demo bank on (as ``klantenservice demo`` serves it)."""
    settings = Settings(
        database_url=database_url,
        environment="test",
        secret_key=SECRET,
        portal_demo_sign_in=True,
        auto_assign=False,
    )
    return create_app(settings, clock=clock, credentials=Argon2Credentials(fast_hasher()))


@pytest.fixture
def portal(app: FastAPI, context: AppContext, world: World) -> Iterator[Portal]:
    """A customer's browser (own cookies, https) on the running app; Ann and Ben exist."""
    ann, ben = add_customers(context)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    yield Portal(client, context, world, ann, ben)
    client.close()
