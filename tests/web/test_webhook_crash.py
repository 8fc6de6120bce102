"""5,000 provider webhooks, the server killed with SIGKILL mid-burst: nothing lost, nothing twice.

A real ``uvicorn`` process of the app takes a burst of WhatsApp (``X-Hub-Signature-256``) and
Twilio SMS (``X-Twilio-Signature``, the ``twilio`` validator's own algorithm) webhooks from
concurrent clients that behave as Meta and Twilio do: anything but a 2xx (a reset connection, a
timeout, a 5xx) is sent again, and a share of acknowledged webhooks is delivered again anyway
(providers redeliver). When half the burst is acknowledged the server process is killed with
SIGKILL, without warning; its intake writer child loses its parent. A new server is started on
the same listening socket (kept open here, so clients' connections wait in the backlog), and
the clients carry on. Afterwards the store holds every acknowledged message exactly once, and
nothing else.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from tests.services.world import build_world
from tests.support.uvicorn_server import Server, listening_socket, start_server
from tests.web.whatsapp_support import APP_SECRET, signed, text_message
from twilio.request_validator import RequestValidator

from klantenservice.adapters.db.tables import messages

pytestmark = [pytest.mark.slow]

WEBHOOKS = 5_000
KILL_AFTER = WEBHOOKS // 2  # acknowledged webhooks before the SIGKILL
CLIENTS = 48
CUSTOMERS = 300
REDELIVERED = 0.05  # share of acknowledged webhooks the provider sends again
AUTH_TOKEN = "twilio-auth-token-for-the-crash-test"
ACCOUNT_SID = "AC" + "1" * 32
BURST_SECONDS = 300.0  # a bound for a hung run, not a performance figure


@dataclass(frozen=True)
class Webhook:
    """One provider delivery: its message id, path, body and signed headers."""

    external_id: str
    path: str
    body: bytes
    headers: dict[str, str]


def whatsapp_webhook(number: int, customer: int) -> Webhook:
    wamid = f"wamid.CRASH{number:06d}"
    wa_id = f"3161234{customer:04d}"
    payload = text_message(wamid, f"bericht {number}", datetime.now(UTC), wa_id=wa_id, name="Klant")
    body, headers = signed(payload, APP_SECRET)
    return Webhook(wamid, "/webhooks/whatsapp", body, headers)


def sms_webhook(number: int, customer: int, base_url: str) -> Webhook:
    sid = f"SM{number:032d}"
    form = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": f"+3161234{customer:04d}",
        "To": "+3197010200300",
        "Body": f"sms {number}",
        "NumMedia": "0",
    }
    path = "/webhooks/sms"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base_url + path, form)
    headers = {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return Webhook(sid, path, urlencode(form).encode(), headers)


@dataclass
class Burst:
    """What the clients saw: acknowledged ids, attempts, failures that were retried."""

    acknowledged: set[str] = field(default_factory=set)
    attempts: int = 0
    retried: int = 0
    redelivered: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    half_way: asyncio.Event = field(default_factory=asyncio.Event)


async def deliver(client: httpx.AsyncClient, hook: Webhook, burst: Burst) -> None:
    """Send until a 2xx, as a provider does (short backoff; 4xx would be a bug: fail)."""
    delay = 0.05
    while True:
        burst.attempts += 1
        try:
            answer = await client.post(hook.path, content=hook.body, headers=hook.headers)
        except httpx.TransportError:
            burst.retried += 1
        else:
            burst.statuses[answer.status_code] = burst.statuses.get(answer.status_code, 0) + 1
            if answer.is_success:
                return
            assert answer.status_code >= 500, (hook.path, answer.status_code, answer.text)
            burst.retried += 1
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)


async def run_burst(base_url: str, hooks: list[Webhook], burst: Burst) -> None:
    queue: asyncio.Queue[Webhook] = asyncio.Queue()
    for hook in hooks:
        queue.put_nowait(hook)
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    timeout = httpx.Timeout(10.0)

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
            while not queue.empty():
                hook = queue.get_nowait()
                await deliver(client, hook, burst)
                if hook.external_id in burst.acknowledged:
                    continue  # a redelivery: not counted again
                burst.acknowledged.add(hook.external_id)
                if len(burst.acknowledged) >= KILL_AFTER:
                    burst.half_way.set()
                if rng.random() < REDELIVERED:
                    burst.redelivered += 1
                    queue.put_nowait(hook)

    await asyncio.wait_for(asyncio.gather(*(client_loop() for _ in range(CLIENTS))), BURST_SECONDS)


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc: whichever thread started them)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_gone(pids: list[int], timeout: float = 30.0) -> list[int]:
    """The pids still alive after ``timeout`` (zombies of a dead parent count as gone)."""
    deadline = time.monotonic() + timeout
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _running(pid)]
        time.sleep(0.05)
    return alive


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def listener() -> Iterator[Any]:
    sock = listening_socket(backlog=1024)
    yield sock
    sock.close()


def test_a_killed_server_loses_no_acknowledged_webhook_and_stores_none_twice(
    database_url: str, listener: Any
) -> None:
    world = build_world(database_url)
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    env = {
        "KS_WHATSAPP_APP_SECRET": APP_SECRET,
        "KS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "KS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "KS_PUBLIC_BASE_URL": base_url,
        "KS_INTAKE_WRITER": "process",
    }
    rng = random.Random(2026)
    hooks = [
        whatsapp_webhook(number, rng.randrange(CUSTOMERS))
        if number % 2
        else sms_webhook(number, rng.randrange(CUSTOMERS), base_url)
        for number in range(WEBHOOKS)
    ]
    servers: list[Server] = [start_server("first", database_url, listener=listener, env=env)]
    burst = Burst()

    async def crash_mid_burst() -> None:
        await burst.half_way.wait()
        first = servers[0]
        writers = children_of(first.pid)
        assert writers, "the server has no intake writer process (KS_INTAKE_WRITER=process)"
        os.kill(first.pid, signal.SIGKILL)
        await asyncio.to_thread(first.process.wait, 15)
        first.close()
        assert wait_gone(writers) == [], "the intake writer outlived its killed server"
        servers.append(
            await asyncio.to_thread(
                start_server, "second", database_url, listener=listener, env=env
            )
        )

    async def scenario() -> None:
        crasher = asyncio.create_task(crash_mid_burst())
        clients = asyncio.create_task(run_burst(base_url, hooks, burst))
        await asyncio.wait((crasher, clients), return_when=asyncio.FIRST_EXCEPTION)
        if crasher.done() and crasher.exception() is not None:
            clients.cancel()  # no server will come back: say why instead of waiting
        await crasher
        await clients

    try:
        # a thread of its own: sync Playwright may have left a running loop in this one
        with ThreadPoolExecutor(1) as runner:
            runner.submit(asyncio.run, scenario()).result()
    except TimeoutError:
        logs = "\n".join(line for server in servers for line in server.log[-40:])
        raise AssertionError(
            f"the burst did not finish: {len(burst.acknowledged)} acknowledged, "
            f"{burst.attempts} attempts, answers {burst.statuses}\n{logs}"
        ) from None
    finally:
        for server in servers:
            server.stop()

    assert len(servers) == 2, "the server was not killed mid-burst"
    assert burst.acknowledged == {hook.external_id for hook in hooks}
    assert burst.retried > 0, "no delivery failed: the kill did not hit the burst"
    assert burst.redelivered > 0
    try:
        with world.engine.connect() as connection:
            rows = connection.execute(
                select(messages.c.external_id, func.count())
                .where(messages.c.channel.in_(("whatsapp", "sms")))
                .group_by(messages.c.external_id)
            ).all()
    finally:
        world.engine.dispose()
    stored = {str(row[0]): int(row[1]) for row in rows}
    twice = {external_id for external_id, count in stored.items() if count != 1}
    assert twice == set(), f"{len(twice)} messages stored more than once"
    assert set(stored) == burst.acknowledged  # every acknowledged one, and nothing else
