"""A private Dovecot IMAP server for one test: real IMAP, no root, no system configuration.

Debian's ``dovecot-imapd`` (installed by ``scripts/setup``) is started with a config of its own
in a temp dir: ``base_dir``/``state_dir``/logs there, IMAP only on 127.0.0.1 and a free port,
plaintext login allowed (``ssl = no``, loopback only), users from a ``passwd-file`` with
``{PLAIN}`` passwords, maildirs under the temp dir, no chroot. Dovecot refuses to run its
login processes as root, so as root the whole server runs through ``runuser`` as the
``dovecot`` system user (created by the package) and the temp dir is handed to that user.

``stop()`` stops the master (SIGTERM via its pid file) and removes the temp dir.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BINARY = "/usr/sbin/dovecot"
INSTALL_HINT = "install it with `scripts/setup --system` (Debian package `dovecot-imapd`)"
PASSWORD = "imap-test-password"  # a throw-away local test account

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


class DovecotUnavailable(RuntimeError):
    """No Dovecot on this machine."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Dovecot:
    root: Path
    port: int
    users: tuple[str, ...]
    password: str = PASSWORD
    host: str = "127.0.0.1"
    _owner: str | None = field(default=None, repr=False)

    def maildir(self, user: str) -> Path:
        return self.root / "mail" / user

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                os.kill(pid, 0)
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)


def start_dovecot(users: tuple[str, ...] = ("support", "hypotheek")) -> Dovecot:
    """A running Dovecot with ``users`` (password ``PASSWORD``); ``DovecotUnavailable``."""
    if not os.access(BINARY, os.X_OK):
        raise DovecotUnavailable(f"Dovecot ({BINARY}) is not installed; {INSTALL_HINT}")
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("dovecot")
        except KeyError as error:
            raise DovecotUnavailable(f"no `dovecot` system user; {INSTALL_HINT}") from error
        owner: str | None = account.pw_name
        uid, gid = account.pw_uid, account.pw_gid
    else:
        owner = None
        account = pwd.getpwuid(os.geteuid())
        uid, gid = os.geteuid(), os.getegid()
    group = _group_name(gid)
    root = Path(tempfile.mkdtemp(prefix="ks-dovecot-"))
    for name in ("run", "state", "mail", "home"):
        (root / name).mkdir()
    port = free_port()
    (root / "dovecot.conf").write_text(
        CONFIG.format(root=root, user=account.pw_name, group=group, uid=uid, gid=gid, port=port)
    )
    (root / "passwd").write_text("".join(f"{user}:{{PLAIN}}{PASSWORD}::::::\n" for user in users))
    command = [BINARY, "-c", str(root / "dovecot.conf")]
    if owner is not None:
        root.chmod(0o755)
        for path in [root, *root.rglob("*")]:
            os.chown(path, uid, gid)
        command = ["runuser", "-u", owner, "--", *command]
    server = Dovecot(root, port, users, _owner=owner)
    # The master daemonizes: its output goes to a file, a pipe would stay open until it exits.
    with (root / "start.log").open("w+") as output:
        done = subprocess.run(command, stdout=output, stderr=output, check=False, timeout=30)
        output.seek(0)
        said = output.read().strip()
    if done.returncode != 0:
        server.stop()
        raise RuntimeError(f"dovecot did not start: {said}")
    _wait_for(server)
    return server


def _group_name(gid: int) -> str:
    return grp.getgrgid(gid).gr_name


def _wait_for(server: Dovecot) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection((server.host, server.port), timeout=1) as connection,
        ):
            if connection.recv(64).startswith(b"* OK"):
                return
        time.sleep(0.05)
    log = server.log()
    server.stop()
    raise RuntimeError(f"dovecot did not answer on port {server.port}: {log[-2000:]}")
