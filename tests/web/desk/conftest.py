"""Fixtures of the desk tests: a browser-like client (https, cookies) on the web tests' world.

The desk's session cookie is ``Secure`` outside a developer's machine (the app runs with
``environment="test"``), so the client talks to ``https://testserver``, as a browser would
only send that cookie over https.
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

from tests.web.desk.support import Desk
from tests.web.support import World


@pytest.fixture
def browser_client(app: FastAPI, world: World) -> Iterator[TestClient]:
    """A second client on the running app, with its own cookie jar, over https."""
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    yield client
    client.close()


@pytest.fixture
def desk(browser_client: TestClient, world: World) -> Desk:
    return Desk(browser_client, world)
