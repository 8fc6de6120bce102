"""The README's configuration table names every setting there is."""

from __future__ import annotations

from pathlib import Path

from klantenservice.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    text = README.read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if line.startswith("| `KS_")]
    documented = "\n".join(table)
    missing = [
        f"KS_{name.upper()}"
        for name in Settings.model_fields
        if f"`KS_{name.upper()}`" not in documented
    ]
    assert missing == []
