"""A call against a real server: uvicorn in its own process, Twilio's requests over TCP (httpx),
signed with the ``twilio`` package over the URL the server is reached at."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import select
from tests.services.world import T0, World, build_world
from twilio.request_validator import RequestValidator

from klantenservice.adapters.db.tables import calls, messages
from klantenservice.domain.agents import Queue
from klantenservice.services import directory
from klantenservice.services.ports import SYSTEM

ROOT = Path(__file__).resolve().parents[2]
AUTH_TOKEN = "f" * 32
STARTUP_SECONDS = 60.0


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    directory.create_queue(
        built.uow(), actor=SYSTEM, queue=Queue(None, "emergency", calendar="office"), now=T0
    )
    yield built
    built.close()


@pytest.fixture
def server(world: World) -> Iterator[str]:
    """The app's base URL; ``KS_PUBLIC_BASE_URL`` is that very URL, as behind no proxy."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    command = [
        sys.executable, "-m", "uvicorn", "klantenservice.web.app:create_app", "--factory",
        "--fd", str(listener.fileno()), "--no-access-log", "--log-level", "info",
    ]  # fmt: skip
    env = {
        **os.environ,
        "KS_DATABASE_URL": world.url,
        "KS_ENVIRONMENT": "test",
        "KS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "KS_PUBLIC_BASE_URL": base,
    }
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        pass_fds=(listener.fileno(),),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    listener.close()
    started = threading.Event()
    log: list[str] = []

    def follow() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line.rstrip())
            if "Application startup complete" in line:
                started.set()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    try:
        assert started.wait(STARTUP_SECONDS), "server did not start:\n" + "\n".join(log[-30:])
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        reader.join(timeout=10)
        assert process.stderr is not None
        process.stderr.close()


def post(client: httpx.Client, url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    signature = RequestValidator(token).compute_signature(url, params)
    response = client.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text
    return response.text


def test_a_fraud_call_over_real_http(server: str, world: World) -> None:
    params = {"CallSid": "CA9", "From": "+31612345678", "To": "+31201234567"}
    with httpx.Client(timeout=15) as client:
        forged = client.post(
            f"{server}/voice/incoming", data=params, headers={"X-Twilio-Signature": "x"}
        )
        assert forged.status_code == 403
        menu = post(client, f"{server}/voice/incoming", params)
        assert 'input="dtmf speech"' in menu
        action = menu.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        assert urlparse(action).netloc == urlparse(server).netloc
        queued = post(client, action, {**params, "Digits": "1"})
        assert "<Enqueue" in queued and ">emergency</Enqueue>" in queued
    with world.read() as connection:
        (row,) = connection.execute(select(calls)).all()
        (message,) = connection.execute(select(messages)).all()
    assert (row.call_sid, row.status, row.queue) == ("CA9", "queued", "emergency")
    assert (message.external_id, message.channel, message.case_id) == ("CA9", "phone", row.case_id)
