"""Real-browser tests: a real uvicorn server process and Debian's Chromium driven by Playwright.

    server   (session)  a SQLite file seeded by ``seed.py``; ``uvicorn --factory
                        klantenservice.web.app:create_app`` in a subprocess, on a socket this
                        process bound to a free port and hands over (``--fd``): no port race,
                        and the first request waits in the listen backlog until the app is up,
                        so nothing polls or sleeps
    browser  (session)  Chromium from ``/usr/bin/chromium`` (browsers cannot be downloaded
                        here; ``scripts/setup`` installs Debian's package)
    page     (test)     a fresh context (own cookies), Dutch, Amsterdam time, 1280×800
    run_server          another such server on one's own database and settings (the portal's
                        tests: their own bank, the demo sign-in on)

Without Chromium the tests are skipped; with ``CI=true`` a skip fails the run
(``tests/conftest.py``). Helpers are in ``support.py``.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from tests.browser.seed import seed, system_now
from tests.browser.support import Server

CHROMIUM = Path(os.environ.get("KS_CHROMIUM", "/usr/bin/chromium"))
STARTUP_SECONDS = 60.0
EXPECT_TIMEOUT_MS = 10_000


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("browser-server")
    database_url = f"sqlite:///{workdir / 'desk.db'}"
    seeded = seed(database_url, system_now())
    with uvicorn_server(workdir, database_url) as (url, log):
        yield Server(url, seeded, log)


ServerRunner = Callable[..., AbstractContextManager[tuple[str, Path]]]


@pytest.fixture(scope="session")
def run_server() -> ServerRunner:
    """``run_server(workdir, database_url, **KS_settings)``: a server of one's own (own data)."""
    return uvicorn_server


@contextmanager
def uvicorn_server(workdir: Path, database_url: str, **settings: str) -> Iterator[tuple[str, Path]]:
    """The app on ``database_url`` in a uvicorn subprocess: its URL and log file.

    ``settings`` are further ``KS_`` variables (e.g. ``KS_PORTAL_DEMO_SIGN_IN="true"``).
    """
    sock = _listening_socket()
    port = sock.getsockname()[1]
    env = {
        **os.environ,
        "KS_DATABASE_URL": database_url,
        "KS_ENVIRONMENT": "test",  # Secure cookies, as in production
        "KS_SECRET_KEY": secrets.token_urlsafe(32),
        "KS_AUTO_ASSIGN": "false",  # cases wait for "Next case"
        **settings,
    }
    log = workdir / "server.log"
    command = [
        sys.executable, "-m", "uvicorn", "klantenservice.web.app:create_app", "--factory",
        "--fd", str(sock.fileno()), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, pass_fds=[sock.fileno()]
        )
    sock.close()  # the server holds its own copy; should it die, connecting fails at once
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, log)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, log: Path) -> None:
    """One request, queued in the listen backlog until the app answers it."""
    try:
        response = httpx.get(f"{url}/health", timeout=STARTUP_SECONDS)
    except httpx.HTTPError as error:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the server did not start ({error!r}); its log:\n{tail}") from None
    assert response.status_code == 200, response.text


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/setup --system (Debian chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()
