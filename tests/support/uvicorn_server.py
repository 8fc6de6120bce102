"""A real ``uvicorn`` server process of the app, for tests that need processes, not TestClient.

The test binds the listening socket and hands it over (``--fd``): no port race, and a socket
kept open by the test outlives the server, so a server killed and started again on it is found
at the same address while clients' connections wait in the kernel's backlog. Waits are on
uvicorn's startup line, with a timeout; the server's stderr is kept for failure messages.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120.0  # generous: the machine may be busy with other tests


@dataclass
class Server:
    name: str
    process: subprocess.Popen[str]
    base_url: str
    log: list[str] = field(default_factory=list)
    log_reader: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.close()

    def close(self) -> None:
        """After the process ended: the log reader stops at EOF of the dead process's stderr."""
        if self.log_reader is not None:
            self.log_reader.join(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()


def listening_socket(backlog: int = 64) -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(backlog)
    return listener


def start_server(
    name: str,
    database_url: str,
    *,
    listener: socket.socket | None = None,
    env: dict[str, str] | None = None,
) -> Server:
    """``uvicorn klantenservice.web.app:create_app --factory`` on ``listener`` (else a new one).

    A listener passed in stays open in the test (for a restart on the same address); one made
    here is closed in the test once the server has its copy.
    """
    own = listener is None
    sock = listening_socket() if listener is None else listener
    port = sock.getsockname()[1]
    command = [
        sys.executable, "-m", "uvicorn", "klantenservice.web.app:create_app", "--factory",
        "--fd", str(sock.fileno()), "--no-access-log", "--log-level", "info",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "KS_DATABASE_URL": database_url,
        "KS_ENVIRONMENT": "test",
        **(env or {}),
    }
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        pass_fds=(sock.fileno(),),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if own:
        sock.close()  # the child has its own copy
    server = Server(name, process, f"http://127.0.0.1:{port}")
    started = threading.Event()

    def follow_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            server.log.append(line.rstrip())
            if "Application startup complete" in line:
                started.set()

    server.log_reader = threading.Thread(target=follow_log, daemon=True)
    server.log_reader.start()
    if not started.wait(STARTUP_SECONDS):
        server.stop()
        raise AssertionError(f"server {name} did not start:\n" + "\n".join(server.log[-30:]))
    return server
