"""What the CLI commands share: settings, opening the store, passwords, and one-line errors.

Every error a person can act on becomes one line on stderr and an exit code, never a
traceback (``ErrorReportingGroup``, the Typer app's command class):

    DomainError (domain/errors.py)           "error: <its message>"                     1
    settings invalid (pydantic)              "error: configuration: KS_X: <problem>"    2
    database unreachable / not initialised   "error: database at <url> is not ..."     1
    bad KS_DATABASE_URL                      "error: KS_DATABASE_URL ..."               2
    migration problem (alembic)              "error: migrations: <problem>"             1

Anything else is a bug and keeps its traceback (without local variables: they may hold a
password). Database URLs are shown with the password masked.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn, cast

import typer
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from pydantic import ValidationError as SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError
from typer.core import TyperGroup

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import alembic_config, current_revision
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.domain.audit import AuditAnchor
from klantenservice.domain.errors import DomainError
from klantenservice.services.ports import UnitOfWorkFactory
from klantenservice.settings import Settings

USAGE_EXIT = 2
MISSING_TABLE_HINTS = ("no such table", "does not exist", "undefinedtable")
SUPPORTED_DATABASES = ("sqlite", "postgresql")
DATABASE_URL: ContextVar[str | None] = ContextVar("klantenservice_database_url", default=None)
"""The URL the running command uses, for the error message when the database fails."""


def utc_now() -> datetime:
    """The wall clock, read at the entry point and passed down (services never read it)."""
    return SystemClock().now()


def fail(message: str, code: int = 1) -> NoReturn:
    """Report a problem the user can act on, on one line, and stop."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code)


class ErrorReportingGroup(TyperGroup):
    """The app's command group: turns known errors from any command into one line."""

    def invoke(self, ctx: Any) -> Any:  # Any: typer's (vendored) click Context
        reset = DATABASE_URL.set(None)
        try:
            return super().invoke(ctx)
        except (
            DomainError,
            SettingsError,
            OperationalError,
            ProgrammingError,
            ArgumentError,
            CommandError,
        ) as error:
            message, code = explain(error, DATABASE_URL.get())
            fail(message, code)
        finally:
            DATABASE_URL.reset(reset)


def explain(error: Exception, url: str | None) -> tuple[str, int]:
    """The one-line message and exit code for an error ``ErrorReportingGroup`` handles."""
    if isinstance(error, DomainError):
        return error.message, 1
    if isinstance(error, SettingsError):
        return f"configuration: {settings_problems(error)}", USAGE_EXIT
    if isinstance(error, ArgumentError):
        return f"KS_DATABASE_URL is not a usable database URL: {error}", USAGE_EXIT
    if isinstance(error, CommandError):
        return f"migrations: {error}", 1
    cause = str(getattr(error, "orig", error)).strip().splitlines()[0]
    if isinstance(error, ProgrammingError) and not any(
        hint in cause.lower() for hint in MISSING_TABLE_HINTS
    ):
        raise error  # a programming error of ours: keep the traceback
    where = mask(url) if url else "KS_DATABASE_URL"
    return (
        f"database at {where} is not reachable or not initialised; run `klantenservice init` "
        f"({cause})",
        1,
    )


def settings_problems(error: SettingsError) -> str:
    problems = []
    for item in error.errors():
        field = "_".join(str(part) for part in item["loc"]).upper()
        text = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"KS_{field}: {text}" if field else text)
    return "; ".join(problems)


def mask(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def load_settings() -> Settings:
    """Fresh settings from the environment (not the cached ones: tests change the env)."""
    return Settings()


def use_database(url: str) -> None:
    """Check the URL names a supported database, and remember it for error messages."""
    DATABASE_URL.set(url)
    driver = make_url(url).drivername
    if not driver.startswith(SUPPORTED_DATABASES):
        fail(
            f"KS_DATABASE_URL uses {driver}; use sqlite:///path/to/file.db or "
            "postgresql+psycopg://user:password@host/database",
            USAGE_EXIT,
        )


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def prepare_sqlite_directory(url: str) -> None:
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def check_database(settings: Settings) -> None:
    """Stop with one line unless the database exists and has the newest schema."""
    url = settings.database_url
    use_database(url)
    path = sqlite_file(url)
    if path is not None and not path.exists():
        fail(f"database at {mask(url)} does not exist; run `klantenservice init`")
    problem = schema_problem(url)
    if problem is not None:
        fail(f"database at {mask(url)} {problem}; run `klantenservice init`")


@contextmanager
def open_store(settings: Settings) -> Iterator[UnitOfWorkFactory]:
    """Units of work on the checked database; the engine is closed afterwards."""
    check_database(settings)
    engine = make_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        # cast: the UnitOfWork protocol's repository attributes are matched invariantly by
        # mypy (SqlCustomers is not CustomerRepository); web/app.py does the same.
        yield cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
    finally:
        engine.dispose()


def schema_problem(url: str) -> str | None:
    current = current_revision(url)
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    if current is None:
        return "is not initialised"
    if current != head:
        return f"has schema revision {current} but this version needs {head}"
    return None


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def obtain_password(env_var: str, *, account: str) -> tuple[str, bool]:
    """The new account's password: from ``env_var``, typed (twice) or generated.

    Returns ``(password, generated)``; a generated password must be shown once.
    """
    given = os.environ.get(env_var)
    if given:
        return given, False
    if interactive():
        typed = typer.prompt(
            f"Password for {account} (at least 12 characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
        return str(typed), False
    return secrets.token_urlsafe(18), True


def parse_anchor(text: str) -> AuditAnchor:
    """``SEQ:HASH`` of an audit head, as ``audit verify`` prints it."""
    seq, _, head = text.strip().partition(":")
    hex_digits = set("0123456789abcdef")
    if not seq.isdigit() or int(seq) < 1 or len(head) != 64 or set(head.lower()) - hex_digits:
        fail("--anchor takes SEQ:HASH as `audit verify` prints them, e.g. 120:9f1c…", USAGE_EXIT)
    return AuditAnchor(int(seq), head.lower())


def is_demo_database(path: Path, *, admin_email: str, token_name: str) -> bool:
    """Whether ``path`` holds a database ``klantenservice demo`` made (safe to recreate).

    Recognised by the demo's administrator together with its integration token's name.
    """
    if not path.exists() or path.stat().st_size == 0:
        return True
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        admin = connection.execute("SELECT 1 FROM users WHERE email = ?", (admin_email,))
        token = connection.execute("SELECT 1 FROM api_tokens WHERE name = ?", (token_name,))
        return admin.fetchone() is not None and token.fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        connection.close()
