"""`klantenservice mail quarantine` lists refused mails with their reason, not their contents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.services.email_support import Mailroom, compose
from tests.services.world import build_world
from typer.testing import CliRunner

from klantenservice import cli


def test_the_quarantine_lists_reasons_and_files_without_contents(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ks.db"
    shutil.copyfile(sqlite_template, path)
    world = build_world(f"sqlite:///{path}")
    room = Mailroom(world, tmp_path / "mail")
    room.store(compose(headers={"Auto-Submitted": "auto-replied"}, text="Ik ben op vakantie"))
    room.store(compose(message_id="<ok@example.nl>"))
    room.run()
    world.close()
    monkeypatch.setenv("KS_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli.app, ["mail", "quarantine"])

    assert result.exit_code == 0, result.output
    (line,) = result.output.strip().splitlines()
    assert "automatic mail (auto-reply or delivery report)" in line
    assert str(tmp_path / "mail" / "raw") in line
    assert "vakantie" not in result.output


def test_an_empty_quarantine_says_so(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copyfile(sqlite_template, tmp_path / "ks.db")
    monkeypatch.setenv("KS_DATABASE_URL", f"sqlite:///{tmp_path / 'ks.db'}")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["mail", "quarantine"])
    assert result.exit_code == 0 and "no mail in quarantine" in result.output
