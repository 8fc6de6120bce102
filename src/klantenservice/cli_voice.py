"""``klantenservice ivr lint [FILE]``: check phone menus before callers hear them.

Without FILE the menus in use are checked (``KS_IVR_MENU_FILE``, else the shipped ones). The
queues the menus name are looked up in the configured database; ``--offline`` checks
everything else without one. Exit status 1 and one line per problem when the menus are not
usable (rules: ``domain/ivr.py``), 0 otherwise. Docs: docs/subsystems/phone-ivr.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from klantenservice.adapters.ivr_file import load_ivr_scripts
from klantenservice.cli_support import load_settings, open_store
from klantenservice.domain.ivr import lint_scripts
from klantenservice.services import ivr

ivr_app = typer.Typer(help="Phone menus (IVR).", no_args_is_help=True)


@ivr_app.command("lint")
def ivr_lint(
    file: Annotated[
        Path | None, typer.Argument(help="a TOML file of menus; default: the menus in use")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="do not check queue names against the database")
    ] = False,
) -> None:
    """Refuse menus over 5 options or 3 levels, dead ends, no person, no emergency first."""
    settings = load_settings()
    scripts = load_ivr_scripts(file if file is not None else settings.ivr_menu_file)
    if offline:
        problems = lint_scripts(scripts)
    else:
        with open_store(settings) as factory:
            problems = ivr.lint_menus(factory(read_only=True), scripts)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(1)
    menus = sum(len(script.menus) for script in scripts.values())
    typer.echo(f"ok: {menus} menus in {len(scripts)} languages")
