"""Languages: complete nl and en catalogues, and the choice explicit > Accept-Language > nl."""

from __future__ import annotations

from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from tests.web.desk.support import Desk

from klantenservice.web import i18n

ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Entry:
    msgid: str  # the singular msgid of a plural entry
    strings: tuple[str, ...]  # one translation, or one per plural form
    fuzzy: bool


def catalogue(locale: str) -> list[Entry]:
    """The entries of every domain (``messages.po``, ``widget.po``, ...) of ``locale``."""
    entries: list[Entry] = []
    for path in i18n.po_paths(locale):
        with path.open("rb") as source:
            entries.extend(
                Entry(
                    m.id if isinstance(m.id, str) else m.id[0],
                    (m.string,) if isinstance(m.string, str) else tuple(m.string or ()),
                    m.fuzzy,
                )
                for m in read_po(source, locale=locale)
                if m.id
            )
    return entries


def extracted_msgids() -> set[str]:
    """What ``pybabel extract -F babel.cfg -k N_`` finds in the sources today."""
    config = StringIO((ROOT / "babel.cfg").read_text())
    method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords, comment_tags=())
    return {msgid if isinstance(msgid, str) else msgid[0] for _, _, msgid, _, _ in found}


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_every_msgid_has_a_non_empty_translation_that_is_not_fuzzy(locale: str) -> None:
    problems = [
        e.msgid for e in catalogue(locale) if e.fuzzy or not all(s.strip() for s in e.strings)
    ]
    assert problems == [], f"{locale}: untranslated or fuzzy: {problems}"


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_catalogues_hold_exactly_the_texts_of_the_sources(locale: str) -> None:
    in_catalogue = {e.msgid for e in catalogue(locale)}
    in_sources = extracted_msgids()
    assert in_sources - in_catalogue == set(), "run pybabel extract + update (babel.cfg)"
    assert in_catalogue - in_sources == set(), "remove texts no source uses any more"


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "nl"),
        (None, "en-GB,en;q=0.9,nl;q=0.8", "en"),
        (None, "de-DE, fr;q=0.9, en;q=0.5", "en"),
        (None, "nl;q=0.4, en;q=0.6", "en"),
        (None, "de, fr", "nl"),
        (None, "en;q=0, nl", "nl"),
        (None, "*", "nl"),
        ("en", "nl", "en"),
        ("nl", "en-US", "nl"),
        ("fr", "en", "en"),  # an unsupported cookie value is ignored
    ],
)
def test_the_language_is_the_explicit_choice_then_accept_language_then_dutch(
    cookie: str | None, header: str | None, expected: str
) -> None:
    assert i18n.negotiate(cookie, header) == expected


def test_a_browser_asking_for_english_gets_english_pages(desk: Desk) -> None:
    page = desk.client.get("/desk/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.text
    assert "Sign in to the desk" in page.text
    assert 'lang="nl" hreflang="nl">Nederlands</a>' in page.text


def test_the_language_switch_wins_over_the_browser_and_returns_to_the_page(desk: Desk) -> None:
    switch = desk.client.get("/desk/language", params={"to": "nl", "next": "/desk/login"})
    assert switch.status_code == 303
    assert switch.headers["location"] == "/desk/login"
    page = desk.client.get("/desk/login", headers={"Accept-Language": "en"})
    assert "Inloggen op de werkplek" in page.text
    refused = desk.client.get("/desk/language", params={"to": "fr"})
    assert refused.status_code == 422
    assert "use nl or en" in refused.text


def test_dates_follow_the_pages_language(desk: Desk) -> None:
    desk.world.intake()
    desk.signed_in()
    dutch = desk.client.get("/desk/cases/1").text
    assert "23-11-2026, 10:00" in dutch
    english = desk.client.get("/desk/cases/1", headers={"Accept-Language": "en"}).text
    assert "23/11/2026, 10:00" in english or "11/23/26, 10:00" in english
