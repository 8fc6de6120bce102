"""``klantenservice ivr lint``: the shipped menus pass; a bad TOML file is refused line by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from klantenservice import cli
from klantenservice.adapters.db.schema import upgrade_to_head

SIX_OPTIONS_NO_PERSON = """
[nl]
voice_language = "nl-NL"
person_queue = "general"
callback_keywords = ["terugbellen"]
[nl.phrases]
welcome = "Welkom."
not_understood = "Sorry."
transfer = "Een moment."
position = "U bent nummer {position}."
callback_offer = "Toets 1."
callback_confirmed = "Dank u."
connected = "Verbonden."
goodbye = "Tot ziens."
call_subject = "Telefoon: {path}"
call_note = "Telefoongesprek: {path}"
callback_note = "Bel {number} terug: {path}"
[nl.menus.main]
prompt = "Kies."
options = [
  { digit = "1", say = "Fraude", label = "Fraude", queue = "emergency", priority = "emergency" },
  { digit = "2", say = "Twee", label = "Twee", queue = "general" },
  { digit = "3", say = "Drie", label = "Drie", queue = "general" },
  { digit = "4", say = "Vier", label = "Vier", queue = "general" },
  { digit = "5", say = "Vijf", label = "Vijf", queue = "general" },
  { digit = "6", say = "Zes", label = "Zes", menu = "missing" },
]
"""


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("KS_IVR_MENU_FILE", raising=False)
    path = tmp_path / "klantenservice.db"
    monkeypatch.setenv("KS_DATABASE_URL", f"sqlite:///{path}")
    return path


def test_the_shipped_menus_pass_offline(env: Path) -> None:
    result = CliRunner().invoke(cli.app, ["ivr", "lint", "--offline"])
    assert result.exit_code == 0, result.output
    assert "ok: 4 menus in 2 languages" in result.output


def test_a_bad_file_is_refused_with_every_problem(env: Path, tmp_path: Path) -> None:
    menus = tmp_path / "menus.toml"
    english = SIX_OPTIONS_NO_PERSON.replace("[nl", "[en").replace('"nl-NL"', '"en-GB"')
    menus.write_text(SIX_OPTIONS_NO_PERSON + english, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["ivr", "lint", str(menus), "--offline"])
    assert result.exit_code == 1
    assert "nl: menu 'main' has 6 options; at most 5" in result.output
    assert "nl: menu 'main' offers no way to a person" in result.output
    assert "leads to menu 'missing', which does not exist" in result.output
    assert "en: menu 'main' has 6 options" in result.output


def test_not_toml_is_one_clear_line(env: Path, tmp_path: Path) -> None:
    menus = tmp_path / "menus.toml"
    menus.write_text("[nl\n", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["ivr", "lint", str(menus)])
    assert result.exit_code == 1
    assert "is not valid TOML" in result.output


def test_queues_are_checked_against_the_database(env: Path) -> None:
    upgrade_to_head(f"sqlite:///{env}")  # an empty contact centre: no queues at all
    result = CliRunner().invoke(cli.app, ["ivr", "lint"])
    assert result.exit_code == 1
    assert "routes to queue 'emergency', which does not exist" in result.output
    assert "person_queue 'general' is not a queue" in result.output


def test_an_initialised_contact_centre_has_the_menus_queues(env: Path) -> None:
    runner = CliRunner()
    initialised = runner.invoke(cli.app, ["init", "--no-admin"])
    assert initialised.exit_code == 0, initialised.output
    result = runner.invoke(cli.app, ["ivr", "lint"])
    assert result.exit_code == 0, result.output
