"""bench/intake: inbound messages per second through the HTTP intake endpoint.

Candidate: `POST /api/v1/messages/inbound` of the product (stored, threaded into a case,
routed, promise started, audited, outbox event) on SQLite (WAL). Baseline, in the same run: a
bare Starlette endpoint (bench/intake_baseline.py) on the same uvicorn settings inserting the
same message row with `sqlite3` (WAL, same `synchronous`). Load: Debian's `wrk` on 127.0.0.1,
rounds interleaved A B A B ... Prints req/s per round, medians, the ratio, p50/p99 latency,
and each server's peak RSS (with its child processes: the intake writer process); checks that
every acknowledged message is stored exactly once.

    .venv/bin/python bench/intake.py [--rounds 3] [--seconds 8] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import Presence, Role
from klantenservice.services import auth, directory
from klantenservice.services.ports import SYSTEM

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "intake.lua"
PYTHON = sys.executable


@dataclass
class Round:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_candidate(db: Path) -> str:
    """A migrated database with calendars, a queue, promise policies, ten agents and a token."""
    url = f"sqlite:///{db}"
    upgrade_to_head(url)
    uow = SqlUnitOfWorkFactory(make_engine(url))
    now = datetime.now(UTC)
    week = [[["08:00", "20:00"]]] * 5 + [[["09:00", "17:00"]], []]
    directory.put_calendar(
        uow(),
        actor=SYSTEM,
        name="office",
        now=now,
        definition={"weekly_hours": week, "holiday_country": "NL"},
    )
    queue = directory.create_queue(uow(), actor=SYSTEM, queue=Queue(None, "general"), now=now)
    policy = PromisePolicy(
        name="default",
        calendar="office",
        first_response=timedelta(hours=4),
        next_response=timedelta(hours=8),
        resolution=timedelta(days=5),
    )
    directory.add_promise_policy(uow(), actor=SYSTEM, policy=policy, now=now)
    for n in range(10):
        agent = Agent(
            None,
            None,
            f"Agent {n}",
            languages=frozenset({"nl", "en"}),
            queue_ids=frozenset({queue.id}),
            presence=Presence.AVAILABLE,
        )  # type: ignore[arg-type]
        directory.create_agent(uow(), actor=SYSTEM, agent=agent, now=now)
    _, token = auth.create_api_token(
        uow(),
        actor=SYSTEM,
        name="bench",
        roles=frozenset({Role.INTEGRATION}),
        now=now,
        credentials=Argon2Credentials(),
    )
    return token


def start_server(app: list[str], port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        PYTHON,
        "-m",
        "uvicorn",
        *app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    assert match, text
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(name: str, port: int, args: argparse.Namespace, env: dict[str, str]) -> Round:
    command = [
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--latency",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{port}",
    ]
    out = subprocess.run(
        command,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=args.seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    return Round(name, rps, p50, p99, total, errors)


def peak_rss_mb(pid: int) -> float:
    """Peak RSS of the server and its child processes (the intake writer, spawn's tracker)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    own = int(match.group(1)) / 1024 if match else float("nan")
    children = [  # listed under the thread that started them
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]
    return own + sum(peak_rss_mb(child) for child in children)


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as connection:
        return int(connection.execute(sql).fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--synchronous", default="NORMAL", choices=["NORMAL", "FULL"])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: run scripts/setup --system (apt-get install wrk)")
    work = Path(tempfile.mkdtemp(prefix="ks-bench-intake-"))
    candidate_db, baseline_db = work / "candidate.db", work / "baseline.db"
    token = prepare_candidate(candidate_db)
    sync = {"KS_SQLITE_SYNCHRONOUS": args.synchronous}
    candidate_env = {
        **sync,
        "KS_DATABASE_URL": f"sqlite:///{candidate_db}",
        "KS_ENVIRONMENT": "local",
    }
    baseline_env = {**sync, "KS_BASELINE_DB": str(baseline_db)}
    ports = {"candidate": free_port(), "baseline": free_port()}
    servers = {
        "candidate": start_server(
            ["klantenservice.web.app:create_app", "--factory"], ports["candidate"], candidate_env
        ),
        "baseline": start_server(["bench.intake_baseline:app"], ports["baseline"], baseline_env),
    }
    rounds: list[Round] = []
    try:
        for n in range(args.rounds):
            for name in ("baseline", "candidate"):
                env = {"KS_BENCH_TOKEN": token, "KS_BENCH_RUN": f"{name}{n}"}
                rounds.append(run_wrk(name, ports[name], args, env))
                print(
                    f"round {n + 1} {name:9s} {rounds[-1].rps:9.0f} req/s  "
                    f"p50 {rounds[-1].p50_ms:6.2f} ms  p99 {rounds[-1].p99_ms:7.2f} ms  "
                    f"non-2xx {rounds[-1].errors}",
                    flush=True,
                )
        rss = {name: peak_rss_mb(server.pid) for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=30)
    report(rounds, rss, candidate_db, baseline_db, args)
    shutil.rmtree(work, ignore_errors=True)


def report(
    rounds: list[Round],
    rss: dict[str, float],
    candidate_db: Path,
    baseline_db: Path,
    args: argparse.Namespace,
) -> None:
    def med(name: str, field: str) -> float:
        return statistics.median(getattr(r, field) for r in rounds if r.name == name)

    a_rps, b_rps = med("baseline", "rps"), med("candidate", "rps")
    a_p99, b_p99 = med("baseline", "p99_ms"), med("candidate", "p99_ms")
    acknowledged = sum(r.requests - r.errors for r in rounds if r.name == "candidate")
    stored = count(candidate_db, "SELECT count(*) FROM messages")
    distinct = count(candidate_db, "SELECT count(DISTINCT external_id) FROM messages")
    cases = count(candidate_db, "SELECT count(*) FROM cases")
    audited = count(candidate_db, "SELECT count(*) FROM audit_log")
    print()
    print(
        f"bench/intake  rounds={args.rounds} x {args.seconds}s  connections={args.connections}"
        f"  synchronous={args.synchronous}  (uvicorn+uvloop+httptools, 1 worker, SQLite WAL)"
    )
    print(
        f"  baseline  (bare Starlette + sqlite3 insert): median {a_rps:8.0f} req/s  "
        f"p50 {med('baseline', 'p50_ms'):.2f} ms  p99 {a_p99:.2f} ms  peak RSS "
        f"{rss['baseline']:.0f} MB"
    )
    print(
        f"  candidate (full intake pipeline)          : median {b_rps:8.0f} req/s  "
        f"p50 {med('candidate', 'p50_ms'):.2f} ms  p99 {b_p99:.2f} ms  peak RSS "
        f"{rss['candidate']:.0f} MB"
    )
    print(f"  ratio candidate/baseline req/s: {b_rps / a_rps:.2f}   (goal >= 0.33)")
    print(f"  p99 candidate/baseline        : {b_p99 / a_p99:.2f}   (goal <= 5)")
    print(f"  peak RSS candidate            : {rss['candidate']:.0f} MB (goal <= 300 MB)")
    print(
        f"  stored: {stored} messages ({distinct} distinct external ids) for {acknowledged} "
        f"acknowledged requests; {cases} cases; {audited} audit records"
    )
    # wrk stops counting at the deadline while requests are in flight: those are stored too,
    # so stored >= acknowledged; fewer stored, or a repeated external id, would be a loss/double
    if stored < acknowledged or distinct != stored:
        print("  WARNING: acknowledged messages are missing or stored twice")


if __name__ == "__main__":
    main()
