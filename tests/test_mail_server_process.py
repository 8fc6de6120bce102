"""`klantenservice mail-server` as a real process: smtplib in, messages out, importer child.

The listener answers 250 once the raw mail is stored; its importer runs in a child process
(workers/email_import_process.py) and turns the mails into messages. SIGTERM stops both; a
SIGKILL of the listener must not leave the importer behind.
"""

from __future__ import annotations

import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.services.email_support import compose
from tests.services.world import World, build_world

from klantenservice.adapters.db.tables import email_raw, messages

pytestmark = [pytest.mark.slow]

ADDRESS = "klantenservice@polderbank.example"
WAIT_SECONDS = 60.0  # a bound for a hung run, not a performance figure


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MailServer:
    process: subprocess.Popen[str]
    port: int
    log: list[str] = field(default_factory=list)

    def importers(self) -> list[int]:
        """Spawned children running the importer (not multiprocessing's resource tracker)."""
        return [
            pid
            for pid in self.children()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def children(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.append(int(stat.parent.name))
        return found


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


@pytest.fixture
def server(world: World, tmp_path: Path) -> Iterator[MailServer]:
    port = free_port()
    env = {
        **os.environ,
        "KS_DATABASE_URL": world.url,
        "KS_ENVIRONMENT": "test",
        "KS_EMAIL_ADDRESSES": json.dumps([ADDRESS]),
        "KS_EMAIL_LISTEN_PORT": str(port),
        "KS_EMAIL_STORAGE_DIR": str(tmp_path / "mail"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "klantenservice", "mail-server"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = MailServer(process, port)
    listening = threading.Event()

    def follow() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            found.log.append(line.rstrip())
            if "mail server listening" in line:
                listening.set()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    try:
        assert listening.wait(WAIT_SECONDS), "\n".join(found.log)
        yield found
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(15)
        reader.join(10)
        if process.stderr is not None:
            process.stderr.close()


def count(world: World, table: object) -> int:
    with world.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def wait_until(condition: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state == "Z"


def test_mails_sent_with_smtplib_become_messages_through_the_importer_process(
    world: World, server: MailServer
) -> None:
    importers = server.importers()
    assert len(importers) == 1, "the importer runs in one child process"
    children = server.children()
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
        for number in range(6):
            client.send_message(compose(to=ADDRESS, message_id=f"<p{number}@example.nl>"))
    assert count(world, email_raw) == 6  # stored before each 250
    wait_until(lambda: count(world, messages) == 6, "six mails are messages")
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(30) == 0, "\n".join(server.log)
    wait_until(lambda: all(gone(pid) for pid in children), "every child ends")


def test_a_killed_listener_leaves_no_importer_behind(world: World, server: MailServer) -> None:
    assert len(server.importers()) == 1
    children = server.children()
    server.process.kill()
    server.process.wait(15)
    wait_until(lambda: all(gone(pid) for pid in children), "the orphaned importer ends")
