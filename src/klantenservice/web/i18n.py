"""Languages of the web pages: Babel catalogues (nl, en), loaded from ``.po`` at startup.

Every text a person reads in the desk (and later the widget and portal) is a gettext message
with an English msgid; ``src/klantenservice/locale/{nl,en}/LC_MESSAGES/*.po`` hold the
translations, extracted with ``pybabel extract -F babel.cfg`` (see docs/subsystems/desk.md).
Each screen family keeps its own catalogue (domain): ``messages`` for the desk, and one file
per later surface (``widget.po``, ``portal.po``, ...). At startup every domain of a locale is
merged into one ``Translations``, so templates and code use plain ``_()`` whatever the file.

Why the ``.po`` files are read directly instead of compiled ``.mo`` files: a compile step is
one more thing to forget (a stale or missing ``.mo`` silently shows English or the msgid),
one more generated file to keep out of git and inside the wheel. Parsing two small
catalogues with ``babel.messages.pofile.read_po`` takes a few milliseconds once per process;
``write_mo`` into memory then gives the standard ``gettext`` machinery. Fuzzy entries are left
out, as ``msgfmt`` would; ``tests/web/desk/test_i18n.py`` fails on any fuzzy or empty one.

Which language a request gets (``negotiate``): an explicit choice (the ``ks_lang`` cookie set
by the language switch) wins over the browser's ``Accept-Language``, and Dutch is the default.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES: tuple[str, ...] = ("nl", "en")
DEFAULT_LOCALE = "nl"
LANGUAGE_COOKIE = "ks_lang"
DOMAIN = "messages"


def locale_dir() -> Path:
    """``klantenservice/locale`` inside the installed package (wheel or editable checkout)."""
    return Path(str(resources.files("klantenservice") / "locale"))


def po_path(locale: str, directory: Path | None = None, domain: str = DOMAIN) -> Path:
    return (directory or locale_dir()) / locale / "LC_MESSAGES" / f"{domain}.po"


def po_paths(locale: str, directory: Path | None = None) -> list[Path]:
    """Every catalogue (domain) of ``locale``, ``messages.po`` first, the others by name."""
    folder = (directory or locale_dir()) / locale / "LC_MESSAGES"
    return sorted(folder.glob("*.po"), key=lambda path: (path.stem != DOMAIN, path.stem))


def _compiled(path: Path, locale: str) -> Translations:
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale, domain=path.stem)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=path.stem)


def load_translations(directory: Path | None = None) -> Mapping[str, Translations]:
    """One ``Translations`` per supported locale: all its domains' ``.po`` files, merged."""
    loaded: dict[str, Translations] = {}
    for locale in LOCALES:
        merged: Translations | None = None
        for path in po_paths(locale, directory):
            part = _compiled(path, locale)
            if merged is None:
                merged = part
            else:
                merged.merge(part)
        if merged is None:
            raise FileNotFoundError(f"no .po catalogue for locale {locale!r}")
        loaded[locale] = merged
    return loaded


def supported(value: str | None) -> str | None:
    """``value`` if it names a supported locale (``nl``, ``en-GB`` -> ``en``), else None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LOCALES else None


def preferred_languages(accept_language: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first.

    Entries with ``q=0`` or an unreadable weight are dropped; equal weights keep their order.
    """
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        if not tag.strip():
            continue
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight > 0:
            weighted.append((-weight, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    """The locale of a request: explicit choice > ``Accept-Language`` > Dutch."""
    chosen = supported(cookie)
    if chosen is not None:
        return chosen
    for tag in preferred_languages(accept_language):
        match = supported(tag)
        if match is not None:
            return match
    return DEFAULT_LOCALE
