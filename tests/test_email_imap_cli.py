"""`klantenservice mail poll|reconcile|backfill` on a real Dovecot; bad input stores nothing."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select
from tests.services.imap_support import Imap, numbered, running_dovecot
from tests.services.world import World, build_world
from tests.support.dovecot import Dovecot
from typer.testing import CliRunner, Result

from klantenservice import cli
from klantenservice.adapters.db.tables import email_raw, messages


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    yield from running_dovecot()


@pytest.fixture
def imap(
    sqlite_template: Path, tmp_path: Path, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Imap]:
    path = tmp_path / "ks.db"
    shutil.copyfile(sqlite_template, path)
    world = build_world(f"sqlite:///{path}")
    password_file = tmp_path / "imap-password"
    password_file.write_text(dovecot.password + "\n")
    mailboxes = [
        {
            "name": "support",
            "host": dovecot.host,
            "port": dovecot.port,
            "user": "support",
            "password_file": str(password_file),
            "tls": "none",
        },
        {
            "host": dovecot.host,
            "port": dovecot.port,
            "user": "hypotheek",
            "password": dovecot.password,
            "tls": "none",
        },
    ]
    monkeypatch.setenv("KS_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("KS_EMAIL_STORAGE_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("KS_IMAP_MAILBOXES", json.dumps(mailboxes))
    monkeypatch.chdir(tmp_path)
    yield Imap(world, dovecot, tmp_path / "mail")
    world.close()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.app, ["mail", *args])


def raw_uids(world: World) -> list[int]:
    with world.read() as connection:
        return [row[0] for row in connection.execute(select(email_raw.c.imap_uid))]


def test_poll_once_imports_both_mailboxes_and_prints_no_contents(imap: Imap) -> None:
    imap.append(numbered(1), numbered(2), user="support")
    imap.append(numbered(3), user="hypotheek")

    result = run("poll", "--once")

    assert result.exit_code == 0, result.output
    assert "support: 2 stored" in result.output
    assert f"hypotheek@{imap.server.host}/INBOX: 1 stored" in result.output
    assert "imported 3" in result.output
    assert "Bericht" not in result.output and imap.server.password not in result.output
    assert imap.world.count(messages) == 3
    assert "0 stored" in run("poll", "--once").output


def test_reconcile_exits_1_with_the_gap_and_repair_fills_it(imap: Imap) -> None:
    imap.append(numbered(1), numbered(2), numbered(3))
    assert run("poll", "--once").exit_code == 0
    with imap.world.engine.begin() as connection:
        connection.execute(delete(email_raw).where(email_raw.c.imap_uid == 2))

    found = run("reconcile", "--mailbox", "support")
    assert found.exit_code == 1, found.output
    assert "IMAP reconciliation" in found.output
    (row,) = [line for line in found.output.splitlines() if "support" in line]
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells[2:] == ["3", "3", "2", "2"]  # last UID, on server, stored, missing

    repaired = run("reconcile", "--mailbox", "support", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert sorted(raw_uids(imap.world)) == [1, 2, 3]
    assert run("reconcile", "--mailbox", "support").exit_code == 0


def test_backfill_stores_the_range_once_and_prints_counts(imap: Imap) -> None:
    imap.append(numbered(1), at=datetime(2026, 1, 5, 9, tzinfo=UTC))
    imap.append(numbered(2), at=datetime(2026, 2, 5, 9, tzinfo=UTC))
    args = ("backfill", "--mailbox", "support", "--since", "2026-01-01", "--until", "2026-02-01")

    first = run(*args)
    assert first.exit_code == 0, first.output
    assert "1 in range, 1 stored, 0 already stored" in first.output
    assert "imported 1" in first.output
    second = run(*args)
    assert "1 in range, 0 stored, 1 already stored" in second.output
    assert raw_uids(imap.world) == [1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-13-01", "--until", "2026-02-01"), "--since takes a date as YYYY-MM-DD"),
        (("--since", "2026-01-01", "--until", "gisteren"), "--until takes a date as YYYY-MM-DD"),
        (("--since", "2026-02-01", "--until", "2026-02-01"), "must be after --since"),
    ],
)
def test_backfill_refuses_bad_dates_on_one_line_and_stores_nothing(
    imap: Imap, args: tuple[str, ...], message: str
) -> None:
    imap.append(numbered(1), at=datetime(2026, 1, 5, 9, tzinfo=UTC))
    result = run("backfill", "--mailbox", "support", *args)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ") and message in line
    assert raw_uids(imap.world) == []


def test_an_unknown_mailbox_is_refused_with_the_configured_names(imap: Imap) -> None:
    result = run("reconcile", "--mailbox", "elders")
    assert result.exit_code == 2
    assert "no mailbox named 'elders'; configured: support, hypotheek@" in result.output


def test_poll_without_mailboxes_says_so(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "ks.db")
    monkeypatch.setenv("KS_DATABASE_URL", f"sqlite:///{tmp_path / 'ks.db'}")
    monkeypatch.delenv("KS_IMAP_MAILBOXES", raising=False)
    monkeypatch.chdir(tmp_path)
    result = run("poll", "--once")
    assert result.exit_code == 2 and "KS_IMAP_MAILBOXES is empty" in result.output
