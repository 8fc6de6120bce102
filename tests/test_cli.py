"""The ``klantenservice`` command: init, serve, audit, tokens, users, and one-line errors.

Commands run in-process through Typer's ``CliRunner`` with ``KS_`` variables set per test;
one test runs the real ``python -m klantenservice`` to check what a shell user sees.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
import uvicorn
from typer.testing import CliRunner, Result

from klantenservice import cli
from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.cli_support import utc_now
from klantenservice.demo.standard import standard_policies
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.vocabulary import Channel
from klantenservice.services import auth, inbound
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory

ADMIN = "admin@bank.example"
PASSWORD = "correct horse battery staple"

Run = Callable[..., Result]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "klantenservice.db"


@pytest.fixture
def run(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Invoke the CLI with KS_DATABASE_URL on a temporary SQLite file."""
    monkeypatch.setenv("KS_DATABASE_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("KS_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("KS_USER_PASSWORD", PASSWORD)
    monkeypatch.chdir(db_path.parent.parent)  # no stray .env from the working directory

    def invoke(*args: str, **env: str) -> Result:
        return CliRunner().invoke(cli.app, list(args), env=env or None)

    return invoke


@pytest.fixture
def initialised(run: Run) -> Run:
    result = run("init", "--admin-email", ADMIN)
    assert result.exit_code == 0, result.output
    return run


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        found = connection.execute(sql).fetchall()
    connection.close()
    return found


@contextmanager
def store(path: Path) -> Iterator[UnitOfWorkFactory]:
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
    finally:
        engine.dispose()


def assert_one_line_error(result: Result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)  # nothing escaped as a traceback
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


# --- init ---------------------------------------------------------------------------------


def test_init_creates_the_schema_the_standard_configuration_and_the_first_admin(
    initialised: Run, db_path: Path
) -> None:
    assert rows(db_path, "SELECT email, roles FROM users") == [(ADMIN, '["admin"]')]
    assert sorted(r[0] for r in rows(db_path, "SELECT name FROM calendars")) == ["24/7", "office"]
    assert sorted(r[0] for r in rows(db_path, "SELECT name FROM queues")) == [
        "emergency",
        "general",
    ]
    assert len(rows(db_path, "SELECT name FROM promise_policies")) == len(standard_policies())
    stored = rows(db_path, "SELECT password_hash FROM users")[0][0]
    assert Argon2Credentials().verify_password(stored, PASSWORD)


def test_init_twice_changes_nothing_and_succeeds(initialised: Run, db_path: Path) -> None:
    tables = ("users", "calendars", "queues", "skills", "promise_policies", "audit_log")
    before = {t: rows(db_path, f"SELECT count(*) FROM {t}") for t in tables}

    again = initialised("init", "--admin-email", "someone.else@bank.example")

    assert again.exit_code == 0, again.output
    assert "already present" in again.stdout
    assert {t: rows(db_path, f"SELECT count(*) FROM {t}") for t in tables} == before


def test_init_without_a_password_generates_one_and_prints_it_once(
    run: Run, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KS_ADMIN_PASSWORD")

    result = run("init", "--admin-email", ADMIN)

    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    stored = rows(db_path, "SELECT password_hash FROM users")[0][0]
    assert Argon2Credentials().verify_password(stored, password)


def test_init_without_an_admin_email_and_no_terminal_asks_for_the_option(run: Run) -> None:
    assert_one_line_error(run("init"), 2, "--admin-email")


def test_init_with_no_admin_creates_no_account(run: Run, db_path: Path) -> None:
    assert run("init", "--no-admin").exit_code == 0
    assert rows(db_path, "SELECT count(*) FROM users") == [(0,)]


def test_init_migrates_and_seeds_an_empty_postgresql_database(
    run: Run, postgres_url_factory: Any
) -> None:
    url = postgres_url_factory(migrated=False)

    first = run("init", "--admin-email", ADMIN, KS_DATABASE_URL=url)
    second = run("init", "--admin-email", ADMIN, KS_DATABASE_URL=url)
    verify = run("audit", "verify", KS_DATABASE_URL=url)

    assert (first.exit_code, second.exit_code, verify.exit_code) == (0, 0, 0), first.output
    assert "already complete" in second.stdout
    postgres_url_factory.release(url)


# --- audit ----------------------------------------------------------------------------------


def test_audit_verify_on_a_fresh_database_is_intact(initialised: Run) -> None:
    result = initialised("audit", "verify")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("audit trail intact: ")


def test_audit_verify_names_the_first_altered_record_and_exits_1(
    initialised: Run, db_path: Path
) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE audit_log SET actor = 'user:99' WHERE seq = 5")
    connection.close()

    result = initialised("audit", "verify")

    assert result.exit_code == 1
    assert "BROKEN at seq 5" in result.stdout
    assert "record was altered" in result.stdout


def test_audit_verify_with_an_anchor_reports_a_trail_cut_short_after_it(
    initialised: Run, db_path: Path
) -> None:
    head = initialised("audit", "verify").stdout.split()
    anchor = f"{head[head.index('seq') + 1]}:{head[head.index('hash') + 1]}"
    assert initialised("audit", "verify", "--anchor", anchor).exit_code == 0
    with sqlite3.connect(db_path) as connection:
        connection.execute("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    connection.close()

    result = initialised("audit", "verify", "--anchor", anchor)

    assert result.exit_code == 1
    assert "records were removed from the end" in result.stdout


def test_audit_verify_refuses_a_malformed_anchor(initialised: Run) -> None:
    assert_one_line_error(initialised("audit", "verify", "--anchor", "12:abc"), 2, "SEQ:HASH")


def test_audit_show_lists_the_records_of_one_subject(initialised: Run) -> None:
    result = initialised("audit", "show", "--subject", "user:1")

    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "staff.created" in lines[0]
    assert "user:1" in lines[0]


# --- users and tokens ---------------------------------------------------------------------------


def test_user_create_makes_an_agent_account_with_its_profile(
    initialised: Run, db_path: Path
) -> None:
    result = initialised(
        "user",
        "create",
        "Anna@Bank.Example",
        "--name",
        "Anna de Vries",
        "--role",
        "agent",
        "--language",
        "nl",
        "--language",
        "en",
        "--skill",
        "cards",
    )

    assert result.exit_code == 0, result.output
    assert rows(db_path, "SELECT email FROM users WHERE email LIKE 'anna%'") == [
        ("anna@bank.example",)
    ]
    ((languages, skills),) = rows(db_path, "SELECT languages, skills FROM agents")
    assert (json.loads(languages), json.loads(skills)) == (["en", "nl"], ["cards"])


def test_user_create_refuses_an_unknown_skill(initialised: Run) -> None:
    result = initialised(
        "user", "create", "bob@bank.example", "--name", "Bob", "--role", "agent", "--skill", "x"
    )
    assert_one_line_error(result, 1, "unknown skills x")


def test_token_create_prints_a_token_that_authenticates_once(
    initialised: Run, db_path: Path
) -> None:
    result = initialised("token", "create", "mail gateway", "--role", "integration")

    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ks_")
    with store(db_path) as factory:
        actor = auth.authenticate(
            factory(), token=token, now=utc_now(), credentials=Argon2Credentials()
        )
    assert (actor.kind, actor.name) == ("token", "mail gateway")
    assert token not in str(rows(db_path, "SELECT * FROM api_tokens"))


# --- serve -------------------------------------------------------------------------------------


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake_run(app: str, **options: Any) -> None:
        calls.append({"app": app, **options})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


def test_serve_runs_the_app_factory_on_uvloop_and_httptools(
    initialised: Run, uvicorn_calls: list[dict[str, Any]]
) -> None:
    result = initialised("serve", "--port", "8123")

    assert result.exit_code == 0, result.output
    assert uvicorn_calls == [
        {
            "app": "klantenservice.web.app:create_app",
            "factory": True,
            "host": "127.0.0.1",
            "port": 8123,
            "workers": 1,
            "loop": "uvloop",
            "http": "httptools",
            "timeout_graceful_shutdown": 5,  # open live streams must not block a restart
        }
    ]


def test_serve_refuses_several_workers_on_sqlite(
    initialised: Run, uvicorn_calls: list[dict[str, Any]]
) -> None:
    result = initialised("serve", "--workers", "2")

    assert_one_line_error(result, 2, "SQLite", "PostgreSQL")
    assert uvicorn_calls == []


def test_serve_refuses_a_database_that_was_never_initialised(
    run: Run, db_path: Path, uvicorn_calls: list[dict[str, Any]]
) -> None:
    assert_one_line_error(run("serve"), 1, "does not exist", "klantenservice init")
    assert not db_path.exists()  # checking did not create an empty SQLite file
    assert uvicorn_calls == []


# --- errors: one line, never a traceback ----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "code", "fragment"),
    [
        (
            ("user", "create", "not-an-email", "--name", "X", "--role", "agent"),
            {},
            1,
            "invalid e-mail address 'not-an-email'",
        ),
        (
            ("audit", "verify"),
            {"KS_REOPEN_WINDOW_DAYS": "-1"},
            2,
            "configuration: KS_REOPEN_WINDOW_DAYS",
        ),
        (("audit", "verify"), {"KS_ENVIRONMENT": "production"}, 2, "KS_SECRET_KEY"),
        (("audit", "verify"), {"KS_DATABASE_URL": "not a url"}, 2, "KS_DATABASE_URL"),
        (("audit", "verify"), {"KS_DATABASE_URL": "mysql://u@h/db"}, 2, "uses mysql"),
        (
            ("audit", "verify"),
            {"KS_DATABASE_URL": "postgresql+psycopg://u:secret@127.0.0.1:1/x"},
            1,
            "is not reachable or not initialised; run `klantenservice init`",
        ),
    ],
    ids=[
        "invalid-email",
        "invalid-setting",
        "placeholder-secret",
        "bad-url",
        "unsupported-db",
        "unreachable-db",
    ],
)
def test_errors_are_one_line_on_stderr_with_an_exit_code(
    initialised: Run, args: tuple[str, ...], env: dict[str, str], code: int, fragment: str
) -> None:
    result = initialised(*args, **env)

    assert_one_line_error(result, code, fragment)
    assert ":secret@" not in result.stderr  # passwords in URLs are masked


def test_a_database_without_tables_is_reported_as_not_initialised(run: Run, db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    sqlite3.connect(db_path).close()

    assert_one_line_error(run("audit", "verify"), 1, "is not initialised", "klantenservice init")


def test_the_console_command_prints_one_line_and_no_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    env = {"KS_DATABASE_URL": f"sqlite:///{missing}", "PATH": "/usr/bin:/bin"}

    done = subprocess.run(
        [sys.executable, "-m", "klantenservice", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: database at sqlite:///")
    assert not missing.exists()


# --- demo --------------------------------------------------------------------------------------


def test_demo_will_not_overwrite_a_database_it_did_not_make(
    initialised: Run, db_path: Path
) -> None:
    result = initialised("demo", "--no-serve", "--database", str(db_path))

    assert_one_line_error(result, 1, "is not a demo database")
    assert rows(db_path, "SELECT email FROM users") == [(ADMIN,)]


# --- worker -------------------------------------------------------------------------------


def test_worker_once_delivers_the_waiting_outbox_events(initialised: Run, db_path: Path) -> None:
    with store(db_path) as factory:
        inbound.receive_message(
            factory,
            actor=SYSTEM,
            inbound=inbound.InboundMessage(
                channel=Channel.EMAIL,
                body="Mijn pas is geblokkeerd",
                external_id="worker-1",
                contact=ContactPoint.parse("email", "jan@example.nl"),
            ),
            now=datetime.now(UTC),
            options=inbound.IntakeOptions(),
        )
    waiting = "SELECT count(*) FROM outbox WHERE delivered_at IS NULL"
    assert rows(db_path, waiting)[0][0] > 0
    result = initialised("worker", "--once")
    assert result.exit_code == 0, result.output
    assert "delivered" in result.stderr
    assert "KS_SMTP_HOST is not set" in result.stderr  # said, not silently skipped
    assert rows(db_path, waiting)[0][0] == 0


def test_worker_on_a_database_that_does_not_exist_is_one_line(run: Run) -> None:
    assert_one_line_error(run("worker", "--once"), 1, "klantenservice init")
