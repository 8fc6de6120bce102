"""bench/chat: customer -> agent round trip with 200 open chats, and memory per open chat.

Candidate: the product's chat socket (``/chat/socket``) on a real uvicorn server (SQLite,
WAL). 200 chats are started through ``POST /chat/api/start`` and connected at once; then
every chat sends a message at random moments (exponential gaps, mean ``--gap`` seconds, one
message in flight per chat) for ``--seconds``. The round trip is measured from the moment
the customer's frame is sent until the *agent side* sees it: a signed-in agent's live stream
(``GET /api/v1/live``, SSE, the desk's own feed) delivering its ``message.received``
event — so it includes intake (group commit: stored, threaded, routed, audited, outbox),
the commit and the live bus.

Baseline, in the same run: a bare Starlette WebSocket echo server (bench/chat_baseline.py),
same uvicorn settings, same 200 sockets and send pattern; its round trip is send -> echo.

Memory: server RSS (VmRSS) with the sockets open minus RSS before they opened (after a
warm-up of 50 sockets opened at once and closed), divided by the number of sockets; the
same for the baseline.

    .venv/bin/python bench/chat.py [--chats 200] [--seconds 20] [--gap 2.0]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import websockets

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.security import fast_hasher
from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import Role
from klantenservice.services import auth, directory
from klantenservice.services.ports import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
AGENT_EMAIL = "agent@bench.example"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throw-away bench account
WARM_UP = 50  # opened at once and closed: grows the thread pool and heap before measuring


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(db: Path) -> None:
    """A migrated database: calendar, queue, a promise policy and one (offline) agent."""
    url = f"sqlite:///{db}"
    upgrade_to_head(url)
    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine)
    now = datetime.now(UTC)
    week = [[["00:00", "24:00"]]] * 7
    directory.put_calendar(
        uow(), actor=SYSTEM, name="office", now=now, definition={"weekly_hours": week}
    )
    queue = directory.create_queue(uow(), actor=SYSTEM, queue=Queue(None, "general"), now=now)
    policy = PromisePolicy(
        name="default",
        calendar="office",
        first_response=timedelta(minutes=10),
        next_response=timedelta(minutes=10),
        resolution=timedelta(days=1),
    )
    directory.add_promise_policy(uow(), actor=SYSTEM, policy=policy, now=now)
    assert queue.id is not None
    agent = Agent(None, None, "Agent", languages=frozenset({"nl"}), queue_ids=frozenset({queue.id}))
    auth.create_staff_user(
        uow(), actor=SYSTEM, email=AGENT_EMAIL, name="Agent", password=PASSWORD,
        roles=frozenset({Role.AGENT}), now=now, credentials=Argon2Credentials(fast_hasher()),
        agent=agent,
    )  # fmt: skip
    engine.dispose()


def start_server(app: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        PYTHON, "-m", "uvicorn", *app, "--host", "127.0.0.1", "--port", str(port),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def rss_kb(pid: int) -> int:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert match is not None
    return int(match.group(1))


async def settled_rss(pid: int) -> int:
    await asyncio.sleep(1.0)
    return rss_kb(pid)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Candidate:
    """The product: chats over /chat/socket, the agent's view over /api/v1/live."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}/chat/socket"
        self.origin = f"http://127.0.0.1:{port}"
        self.sent: dict[int, float] = {}  # case id -> when its message left the customer
        self.seen: dict[int, asyncio.Event] = {}
        self.samples: list[float] = []

    async def start_chats(self, n: int) -> list[tuple[str, int]]:
        async with httpx.AsyncClient(base_url=self.base, headers={"origin": self.origin}) as c:
            answers = await asyncio.gather(*(c.post("/chat/api/start", json={}) for _ in range(n)))
        chats = []
        for answer in answers:
            assert answer.status_code == 201, answer.text
            body = answer.json()
            chats.append((body["token"], int(body["reference"].removeprefix("KS-"))))
        return chats

    async def open(self, token: str) -> websockets.ClientConnection:
        ws = await websockets.connect(self.ws_url, origin=self.origin)  # type: ignore[arg-type]
        await ws.send(json.dumps({"type": "hello", "token": token, "after": 0}))
        assert json.loads(await ws.recv())["type"] == "ready"
        return ws

    async def watch(self, ready: asyncio.Event) -> None:
        """The agent side: the desk's live stream; a message.received event ends a round trip."""
        async with httpx.AsyncClient(base_url=self.base, timeout=None) as client:  # noqa: S113 - a stream
            login = await client.post(
                "/api/v1/auth/login", json={"email": AGENT_EMAIL, "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            params = {"topic": "message.received"}
            async with client.stream("GET", "/api/v1/live", headers=headers, params=params) as s:
                async for line in s.aiter_lines():
                    if line.startswith("event: live.ready"):
                        ready.set()
                    if not line.startswith("data: "):
                        continue
                    event = json.loads(line[6:])
                    case_id = event.get("case_id")
                    started = self.sent.pop(case_id, None)
                    if started is not None:
                        self.samples.append((time.perf_counter() - started) * 1000)
                        self.seen[case_id].set()

    async def converse(
        self, ws: websockets.ClientConnection, case_id: int, until: float, gap: float
    ) -> None:
        self.seen[case_id] = asyncio.Event()
        n = 0
        drain = asyncio.create_task(_drain(ws))
        while True:
            await asyncio.sleep(random.expovariate(1 / gap))
            if time.perf_counter() >= until:
                break
            n += 1
            frame = {"type": "message", "client_id": f"bench-{case_id}-{n:05d}", "body": "Hoi"}
            self.seen[case_id].clear()
            self.sent[case_id] = time.perf_counter()
            await ws.send(json.dumps(frame))
            await asyncio.wait_for(self.seen[case_id].wait(), 30)
        drain.cancel()


async def _drain(ws: websockets.ClientConnection) -> None:
    async for _ in ws:  # the echo of the customer's own message, queue updates
        pass


class Baseline:
    def __init__(self, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/echo"
        self.samples: list[float] = []

    async def open(self) -> websockets.ClientConnection:
        return await websockets.connect(self.url)

    async def converse(self, ws: websockets.ClientConnection, until: float, gap: float) -> None:
        while True:
            await asyncio.sleep(random.expovariate(1 / gap))
            if time.perf_counter() >= until:
                break
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "client_id": "x" * 16, "body": "Hoi"}))
            await ws.recv()
            self.samples.append((time.perf_counter() - started) * 1000)


async def run_candidate(pid: int, port: int, args: argparse.Namespace) -> tuple[list[float], float]:
    candidate = Candidate(port)
    chats = await candidate.start_chats(args.chats + WARM_UP)
    warm = await asyncio.gather(*(candidate.open(token) for token, _ in chats[:WARM_UP]))
    for ws in warm:
        await ws.close()
    before = await settled_rss(pid)
    sockets = await asyncio.gather(*(candidate.open(token) for token, _ in chats[WARM_UP:]))
    after = await settled_rss(pid)
    ready = asyncio.Event()
    watcher = asyncio.create_task(candidate.watch(ready))
    await asyncio.wait_for(ready.wait(), 10)
    until = time.perf_counter() + args.seconds
    await asyncio.gather(
        *(
            candidate.converse(ws, case_id, until, args.gap)
            for ws, (_, case_id) in zip(sockets, chats[WARM_UP:], strict=True)
        )
    )
    watcher.cancel()
    for ws in sockets:
        await ws.close()
    return candidate.samples, (after - before) / args.chats


async def run_baseline(pid: int, port: int, args: argparse.Namespace) -> tuple[list[float], float]:
    baseline = Baseline(port)
    for ws in await asyncio.gather(*(baseline.open() for _ in range(WARM_UP))):
        await ws.close()
    before = await settled_rss(pid)
    sockets = await asyncio.gather(*(baseline.open() for _ in range(args.chats)))
    after = await settled_rss(pid)
    until = time.perf_counter() + args.seconds
    await asyncio.gather(*(baseline.converse(ws, until, args.gap) for ws in sockets))
    for ws in sockets:
        await ws.close()
    return baseline.samples, (after - before) / args.chats


def report(name: str, samples: list[float], per_socket_kb: float) -> dict[str, float]:
    figures = {
        "p50": statistics.median(samples),
        "p95": percentile(samples, 0.95),
        "p99": percentile(samples, 0.99),
        "kb": per_socket_kb,
    }
    print(
        f"{name:<10} {len(samples):>6} round trips   p50 {figures['p50']:7.2f} ms   "
        f"p95 {figures['p95']:7.2f} ms   p99 {figures['p99']:7.2f} ms   "
        f"memory {per_socket_kb:6.1f} KB per open socket"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--gap", type=float, default=2.0, help="mean seconds between messages")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ks-bench-chat-"))
    db = work / "chat.db"
    prepare(db)
    ports = {"candidate": free_port(), "baseline": free_port()}
    env = {
        "KS_DATABASE_URL": f"sqlite:///{db}",
        "KS_ENVIRONMENT": "local",
        "KS_SECRET_KEY": "bench-" + os.urandom(8).hex(),
        # every simulated customer starts from 127.0.0.1: lift the per-address start limit
        "KS_CHAT_START_BURST": str(args.chats + 10),
    }
    candidate = start_server(
        ["klantenservice.web.app:create_app", "--factory"], ports["candidate"], env
    )
    baseline = start_server(["bench.chat_baseline:app"], ports["baseline"], {})
    try:
        print(f"{args.chats} open chats, a message every {args.gap} s per chat (mean), "
              f"{args.seconds:.0f} s; 127.0.0.1, uvicorn + uvloop, SQLite WAL")  # fmt: skip
        base = report("baseline", *asyncio.run(run_baseline(baseline.pid, ports["baseline"], args)))
        ours = report("chat", *asyncio.run(run_candidate(candidate.pid, ports["candidate"], args)))
        print(
            f"ratio chat/baseline: p50 {ours['p50'] / base['p50']:.1f}x, "
            f"p95 {ours['p95'] / base['p95']:.1f}x, memory {ours['kb'] / max(base['kb'], 0.1):.1f}x"
        )
        print(
            f"goals: p95 < 100 ms: {'met' if ours['p95'] < 100 else 'NOT met'}; "
            f"memory <= 100 KB per chat: {'met' if ours['kb'] <= 100 else 'NOT met'}"
        )
    finally:
        for process in (candidate, baseline):
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
