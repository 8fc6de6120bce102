"""A throwaway PostgreSQL server for one test session, and fresh databases cloned from a template.

Why a real server: row locks (``FOR UPDATE``, which SQLAlchemy silently drops on SQLite),
isolation levels and constraint timing only show their real behaviour on PostgreSQL.

Lifecycle of the local server (one per pytest process, so one per xdist worker):

1. find ``initdb``/``pg_ctl`` under ``/usr/lib/postgresql/<version>/bin`` (newest), else on PATH;
2. ``initdb`` into a fresh temp dir (trust auth, superuser ``ks``, UTF8, C locale, no fsync),
   on tmpfs (``/dev/shm``) when it has 1 GiB free: ~30x faster CREATE DATABASE than on this
   machine's disk; ``KS_TEST_POSTGRES_DIR`` picks another parent directory;
3. ``pg_ctl start`` on a free 127.0.0.1 port, unix socket in the temp dir, with durability off
   (``fsync``, ``synchronous_commit``, ``full_page_writes``): the data is disposable;
4. ``pg_ctl stop -m immediate`` and delete the temp dir at the end of the session.

PostgreSQL refuses to run as root, so as root the binaries run through ``runuser`` as the
``postgres`` user (created by the Debian package) or, failing that, a ``kstest`` system user.

``KS_TEST_POSTGRES_URL`` (an SQLAlchemy or libpq URL of a user allowed to CREATE DATABASE)
replaces the local server; databases made there carry the pid in their name and are dropped at
the end.

Crash safety: every temp dir records the pid of the process that owns it; starting a server
first stops and deletes servers whose owner is gone (killed runs, crashed xdist workers).

Cheap fresh databases: migrate one template database per session, then
``CREATE DATABASE x TEMPLATE <template>`` for each test (a file copy, milliseconds).
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

ENV_URL = "KS_TEST_POSTGRES_URL"
ENV_DIR = "KS_TEST_POSTGRES_DIR"
MIN_FREE_BYTES = 1 << 30
RETIRED_KEPT = 2
SUPERUSER = "ks"
DIR_PREFIX = "ks-pg-"
FALLBACK_OS_USER = "kstest"
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "256MB",
    "jit": "off",
    "max_connections": "200",  # concurrency tests open many pooled connections
    "shared_buffers": "64MB",  # two servers (xdist) on a small CI machine
    "log_min_messages": "warning",
}
# C locale: byte order, the same on every machine; trust: loopback only, throwaway data.
INITDB_OPTIONS = ("-U", SUPERUSER, "--auth=trust", "--no-locale", "--encoding=UTF8", "--no-sync")
INSTALL_HINT = "install it with `scripts/setup --system` (Debian package `postgresql`)"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


class PostgresError(RuntimeError):
    """A PostgreSQL program failed; the message carries its output."""


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (Debian layout), else PATH's."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=_version_key)
    if candidates:
        return candidates[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _version_key(pg_ctl: Path) -> tuple[int, ...]:
    version = pg_ctl.parent.parent.name
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@dataclass(frozen=True)
class _Runner:
    """Runs PostgreSQL programs, as ``os_user`` via runuser when we are root."""

    bin_dir: Path
    os_user: str | None

    def __call__(self, program: str, *args: str | Path, cwd: Path) -> str:
        command = [str(self.bin_dir / program), *map(str, args)]
        if self.os_user is not None:
            command = ["runuser", "-u", self.os_user, "--", *command]
        result = subprocess.run(
            command,
            cwd=cwd,  # the caller's cwd (e.g. /root) may be closed to os_user
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise PostgresError(f"{program} exited with {result.returncode}:\n{output}")
        return result.stdout


def _server_os_user() -> str | None:
    """None when not root; else an unprivileged user to run the server as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_OS_USER):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name).pw_name
    command = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
    subprocess.run([*command, FALLBACK_OS_USER], capture_output=True, check=False)
    return pwd.getpwnam(FALLBACK_OS_USER).pw_name  # KeyError here: useradd really failed


def _data_roots(os_user: str | None) -> list[Path]:
    """Where data dirs may live, preferred first: tmpfs makes CREATE DATABASE ~30x faster here."""
    override = os.environ.get(ENV_DIR)
    if override:
        return [Path(override)]
    candidates = [Path("/dev/shm"), Path(tempfile.gettempdir()), Path("/tmp")]  # noqa: S108
    usable = [root for root in candidates if _usable_root(root, os_user)]
    big_enough = [root for root in usable if shutil.disk_usage(root).free >= MIN_FREE_BYTES]
    return list(dict.fromkeys(big_enough or usable))


def _usable_root(root: Path, os_user: str | None) -> bool:
    """Writable by us and, when the server runs as another user, traversable by it."""
    if not root.is_dir() or not os.access(root, os.W_OK | os.X_OK):
        return False
    return os_user is None or bool(root.stat().st_mode & 0o001)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno == errno.EPERM
    return True


def _sweep_stale_servers(root: Path, runner: _Runner) -> None:
    """Stop and delete servers left behind by test processes that no longer exist."""
    for base in root.glob(f"{DIR_PREFIX}*"):
        try:
            owner = int((base / "owner.pid").read_text())
        except (OSError, ValueError):
            continue  # being created right now, or not ours
        if _pid_alive(owner):
            continue
        if (base / "data" / "postmaster.pid").exists():
            with contextlib.suppress(PostgresError, OSError, subprocess.SubprocessError):
                runner("pg_ctl", "stop", "-D", base / "data", "-m", "immediate", cwd=root)
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class LocalServer:
    """A running throwaway server; ``stop()`` is idempotent and also runs at exit."""

    base: Path
    port: int
    runner: _Runner
    stopped: bool = False

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        with contextlib.suppress(PostgresError, OSError, subprocess.SubprocessError):
            self.runner(
                "pg_ctl", "stop", "-D", self.data_dir, "-m", "immediate", "-w", cwd=self.base.parent
            )
        shutil.rmtree(self.base, ignore_errors=True)


def start_local_server() -> LocalServer:
    """initdb + pg_ctl start in a new temp dir; raises PostgresUnavailable without binaries."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(f"PostgreSQL server binaries not found: {INSTALL_HINT}")
    runner = _Runner(bin_dir, _server_os_user())
    roots = _data_roots(runner.os_user)
    if not roots:
        raise PostgresError("no writable directory for the test server's data")
    for root in roots:
        _sweep_stale_servers(root, runner)
    base = Path(tempfile.mkdtemp(prefix=DIR_PREFIX, dir=roots[0]))
    (base / "owner.pid").write_text(str(os.getpid()))
    if runner.os_user is not None:
        shutil.chown(base, user=runner.os_user)
    server = LocalServer(base=base, port=0, runner=runner)
    atexit.register(server.stop)
    try:
        _init_cluster(server)
        _start_on_free_port(server)
    except BaseException:
        server.stop()
        raise
    return server


def _init_cluster(server: LocalServer) -> None:
    server.runner("initdb", "-D", server.data_dir, *INITDB_OPTIONS, cwd=server.base)
    settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{server.base}'"}
    lines = "".join(f"{name} = {value}\n" for name, value in settings.items())
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\n# tests/support/postgres.py: throwaway test server\n" + lines)


def _start_on_free_port(server: LocalServer, attempts: int = 5) -> None:
    """Another process may grab the probed port before the server binds it: retry."""
    for attempt in range(1, attempts + 1):
        server.port = _free_port()
        try:
            options: list[str | Path] = [
                "-l",
                server.log_file,
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {server.port}",
            ]
            server.runner("pg_ctl", "start", "-D", server.data_dir, *options, cwd=server.base)
            return
        except PostgresError as error:
            log = server.log_file.read_text() if server.log_file.exists() else ""
            if "could not bind" not in log or attempt == attempts:
                raise PostgresError(f"{error}\n--- server log ---\n{log[-4000:]}") from error
            server.log_file.unlink()


class PostgresCluster:
    """Creates and drops databases on a server; owns the server's lifecycle if it is local.

    Databases get the prefix ``ks`` on the local server and ``ks_<pid>`` on a shared
    (``KS_TEST_POSTGRES_URL``) one, so concurrent sessions and xdist workers never collide.
    """

    def __init__(self, admin_url: str, *, server: LocalServer | None, prefix: str) -> None:
        self._admin_url: URL = _with_psycopg_driver(make_url(admin_url))
        self._server = server
        self.prefix = prefix
        self._created: set[str] = set()
        self._retired: deque[str] = deque()
        self._numbers = itertools.count(1)
        conninfo = self._admin_url.set(drivername="postgresql")
        self._admin = psycopg.connect(
            conninfo.render_as_string(hide_password=False), autocommit=True
        )

    @property
    def server(self) -> LocalServer | None:
        return self._server

    @property
    def template_name(self) -> str:
        return f"{self.prefix}_template"

    def url(self, database: str) -> str:
        """SQLAlchemy URL (``postgresql+psycopg://``) of ``database`` on this server."""
        return self._admin_url.set(database=database).render_as_string(hide_password=False)

    def create_database(self, name: str | None = None, *, template: str | None = None) -> str:
        """Create a database (a clone of ``template`` if given) and return its URL."""
        name = name or f"{self.prefix}_test_{next(self._numbers)}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            if self._admin.info.server_version >= 150000:
                # 15+ defaults to WAL_LOG, which writes the whole copy to WAL: slower here.
                statement += sql.SQL(" STRATEGY FILE_COPY")
        self._admin.execute(statement)
        self._created.add(name)
        return self.url(name)

    def create_template(self, migrate: Callable[[str], None]) -> str:
        """Create and ``migrate`` the template database once; returns its name.

        Connections to it are then refused, so a leaked connection cannot make a later
        ``CREATE DATABASE ... TEMPLATE`` fail with "source database is being accessed".
        """
        name = self.template_name
        migrate(self.create_database(name))
        self._admin.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name))
        )
        return name

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting whoever still uses it (PostgreSQL 13+)."""
        self._admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        self._created.discard(name)

    def retire_database(self, name: str) -> None:
        """Drop ``name`` a couple of calls later, once its backends have exited.

        Dropping right after the test closed its connections costs ~100 ms: the backends are
        still exiting and DROP DATABASE polls for them every 100 ms. A little later it's ~5 ms.
        """
        self._retired.append(name)
        while len(self._retired) > RETIRED_KEPT:
            self.drop_database(self._retired.popleft())

    def close(self) -> None:
        """Stop the local server (its data goes with it) or drop what we created elsewhere."""
        try:
            if self._server is None:
                for name in sorted(self._created):
                    self.drop_database(name)
        finally:
            self._admin.close()
            if self._server is not None:
                self._server.stop()


def _with_psycopg_driver(url: URL) -> URL:
    if url.drivername in {"postgres", "postgresql"}:
        return url.set(drivername="postgresql+psycopg")
    return url


def start_cluster() -> PostgresCluster:
    """The server named by ``KS_TEST_POSTGRES_URL``, else a new local throwaway server."""
    external = os.environ.get(ENV_URL)
    if external:
        return PostgresCluster(external, server=None, prefix=f"ks_{os.getpid()}")
    server = start_local_server()
    try:
        return PostgresCluster(server.url(), server=server, prefix="ks")
    except BaseException:
        server.stop()
        raise


class PostgresUrlFactory:
    """``factory()`` returns the URL of a new database on the session's server.

    Migrated to head (cloned from a template that ``migrate(url)`` brings to head on first
    use) unless ``migrated=False``, which gives an empty database, e.g. to test migrations.
    ``release(url)`` drops it soon after; whatever is not released goes at the end.
    """

    def __init__(self, cluster: PostgresCluster, migrate: Callable[[str], None]) -> None:
        self.cluster = cluster
        self._migrate = migrate
        self._template: str | None = None

    def __call__(self, *, migrated: bool = True) -> str:
        if not migrated:
            return self.cluster.create_database()
        if self._template is None:
            self._template = self.cluster.create_template(self._migrate)
        return self.cluster.create_database(template=self._template)

    def release(self, url: str) -> None:
        database = make_url(url).database
        if database:
            self.cluster.retire_database(database)
