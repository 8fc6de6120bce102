"""Reading IVR menus: the shipped ones (``domain/ivr_menus.py``) or a TOML file of that shape.

A file lets a bank change its phone menus without a release; ``KS_IVR_MENU_FILE`` names it
and ``klantenservice ivr lint FILE`` checks it first. Parsing and the rules are the domain's
(``domain/ivr.py``); this module only does the reading.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.ivr import IvrScript, parse_scripts
from klantenservice.domain.ivr_menus import IVR_MENUS
from klantenservice.domain.vocabulary import Language


def load_ivr_scripts(path: Path | str | None = None) -> dict[Language, IvrScript]:
    """The scripts of ``path`` (TOML), or the shipped ones when no path is given."""
    if path is None or str(path) == "":
        return parse_scripts(IVR_MENUS)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationError(f"cannot read IVR menu file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(f"IVR menu file {path} is not valid TOML: {error}") from None
    return parse_scripts(data)
