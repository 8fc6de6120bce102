"""Fixtures shared by the whole suite, and the CI rule that a skipped test fails the run.

Databases (see docs/testing.md):

- ``database_url``: parametrized ``sqlite`` / ``postgresql``; a fresh database at the newest
  schema that belongs to this test alone. SQLite: a copy of a template file migrated once per
  session. PostgreSQL: ``CREATE DATABASE ... TEMPLATE`` of a template migrated once per
  session, dropped after the test. The ``postgresql`` case carries ``@pytest.mark.postgres``.
- ``postgres_url_factory``: session-scoped ``PostgresUrlFactory``; ``factory()`` gives a new
  migrated database's URL, ``factory(migrated=False)`` an empty one. The server starts on
  first use only, so ``pytest -m "not postgres"`` never starts it.

Without PostgreSQL binaries the PostgreSQL cases are skipped, except with ``CI=true``, where
they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Import tests.support as a package of the repository root, whatever pytest's import mode.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.support.postgres import (  # noqa: E402
    PostgresUnavailable,
    PostgresUrlFactory,
    start_cluster,
)

from klantenservice.adapters.db.schema import upgrade_to_head  # noqa: E402


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# --- databases -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_url_factory() -> Iterator[PostgresUrlFactory]:
    try:
        cluster = start_cluster()
    except PostgresUnavailable as error:
        if _in_ci():
            pytest.fail(f"{error}\nCI=true: PostgreSQL tests may not be skipped.", pytrace=False)
        pytest.skip(str(error))
    try:
        yield PostgresUrlFactory(cluster, upgrade_to_head)
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at head, migrated once per session; copy it, never open it."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_to_head(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:  # fold the WAL in: the one file is the database
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh database at head for this test only, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        tmp_path: Path = request.getfixturevalue("tmp_path")
        path = tmp_path / "klantenservice.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    factory: PostgresUrlFactory = request.getfixturevalue("postgres_url_factory")
    url = factory()
    yield url
    factory.release(url)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests using ``postgres_url_factory`` directly are ``postgres`` tests too."""
    for item in items:
        if "postgres_url_factory" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


# --- CI: a skipped test fails the run --------------------------------------------------------


class SkipsFailInCI:
    """With CI=true, any skipped test or module turns a passing run into exit status 1.

    A skip in CI means something was not tested (a missing server, a missing package) while
    the run still looks green. Skips are counted from the reports themselves, which under
    pytest-xdist also reach the controller process, where this plugin is registered.
    """

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._record(report)

    def _record(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):  # xfail is reported as skipped
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
            self.skipped.append(f"{report.nodeid or '<session>'}: {reason}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skipped and session.exitstatus in (0, pytest.ExitCode.NO_TESTS_COLLECTED):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.skipped:
            return
        terminalreporter.section("CI=true: skipped tests fail the run", sep="=", red=True)
        for line in self.skipped:
            terminalreporter.line(f"SKIPPED {line}", red=True)
        terminalreporter.line(
            f"{len(self.skipped)} skipped; in CI every test must run. "
            "Fix the cause (scripts/setup --system installs PostgreSQL) or remove the skip.",
            red=True,
        )


def pytest_configure(config: pytest.Config) -> None:
    if _in_ci() and not hasattr(config, "workerinput"):  # xdist workers report to the controller
        config.pluginmanager.register(SkipsFailInCI(), "klantenservice-skips-fail-in-ci")
