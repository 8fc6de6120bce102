"""IVR menus as data: parsing, choosing by digit and by speech, and the lint's rules."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.ivr import (
    MAX_DEPTH,
    MAX_OPTIONS,
    choose,
    lint_script,
    lint_scripts,
    normalise_speech,
    parse_script,
    parse_scripts,
    wants_callback,
)
from klantenservice.domain.ivr_menus import IVR_MENUS
from klantenservice.domain.vocabulary import Language, Priority

QUEUES = {"general", "emergency"}


def shipped() -> dict[str, Any]:
    return copy.deepcopy(IVR_MENUS)


def person(digit: str = "0") -> dict[str, Any]:
    return {"digit": digit, "say": "agent", "label": "Agent", "keywords": ["agent"], "person": True}


def emergency() -> dict[str, Any]:
    return {
        "digit": "1",
        "say": "fraud",
        "label": "Fraud",
        "keywords": ["fraud"],
        "queue": "emergency",
        "priority": "emergency",
    }


def leaf(digit: str, queue: str = "general") -> dict[str, Any]:
    return {"digit": digit, "say": f"option {digit}", "label": digit, "queue": queue}


def script_data(menus: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    data = shipped()["en"]
    data["menus"] = {name: {"prompt": name, "options": opts} for name, opts in menus.items()}
    return data


def lint(menus: dict[str, list[dict[str, Any]]]) -> list[str]:
    return lint_script(parse_script(Language.EN, script_data(menus)), queues=QUEUES)


def test_the_shipped_menus_pass_the_lint_in_both_languages() -> None:
    scripts = parse_scripts(IVR_MENUS)
    assert set(scripts) == {Language.NL, Language.EN}
    assert lint_scripts(scripts, queues=QUEUES) == []
    top = scripts[Language.NL].menus["main"]
    first = scripts[Language.NL].route_of(top.options[0])
    assert first is not None
    assert (first.queue, first.priority) == ("emergency", Priority.EMERGENCY)


def test_choose_by_digit_and_by_speech_in_dutch() -> None:
    nl = parse_scripts(IVR_MENUS)[Language.NL]
    main = nl.menus["main"]
    assert choose(main, digits="2") is main.options[1]
    assert choose(main, digits="7") is None
    assert choose(main, speech="Ik wil een MEDEWERKER spreken.") is main.options[-1]
    # "betalen" and "gestolen": the emergency option comes first and wins
    assert choose(main, speech="mijn pas is gestolen bij het betalen") is main.options[0]
    assert choose(main, speech="") is None
    assert choose(main, speech="het weer") is None
    # a digit beats speech; a keyword must be a whole word ("app" is not in "appel")
    assert choose(main, digits="0", speech="fraude") is main.options[-1]
    payments = nl.menus["payments"]
    assert choose(payments, speech="appel") is None
    assert choose(payments, speech="de app doet het niet") is payments.options[1]


def test_callback_words_and_key() -> None:
    nl = parse_scripts(IVR_MENUS)[Language.NL]
    assert wants_callback(nl, digits="1")
    assert not wants_callback(nl, digits="2")
    assert wants_callback(nl, speech="Kunt u mij terugbellen?")
    assert not wants_callback(nl, speech="ik wacht wel")


def test_speech_is_compared_without_case_accents_or_punctuation() -> None:
    assert normalise_speech("  Éénmaal, André!  ") == "eenmaal andre"


def test_the_lint_names_each_problem() -> None:
    problems = lint(
        {
            "main": [leaf("2"), leaf("3", queue="nowhere"), {**leaf("4"), "menu": "x"}],
            "orphan": [person()],
        }
    )
    text = "\n".join(problems)
    assert "menu 'main' offers no way to a person" in text
    assert "first option must be the emergency option" in text
    assert "routes to queue 'nowhere', which does not exist" in text
    assert "option '4' must do exactly one of" in text
    assert "menu 'orphan' cannot be reached" in text


def test_a_missing_submenu_and_duplicate_digits_and_keywords() -> None:
    problems = lint(
        {
            "main": [
                emergency(),
                {"digit": "2", "say": "s", "label": "s", "menu": "gone"},
                leaf("2"),
                {**person("0"), "keywords": ["Fraud!"]},
            ]
        }
    )
    text = "\n".join(problems)
    assert "leads to menu 'gone', which does not exist" in text
    assert "the digit is used twice" in text
    assert "option '0': keyword 'fraud' also selects '1'" in text


def test_duplicate_digits_in_both_languages_are_reported_not_a_crash() -> None:
    data = shipped()
    for language in ("nl", "en"):
        options = data[language]["menus"]["main"]["options"]
        options[2] = {**options[2], "digit": "2"}  # a queue on the submenu's digit
    problems = lint_scripts(parse_scripts(data), queues=QUEUES)
    assert sum("the digit is used twice" in p for p in problems) == 2


def test_languages_must_offer_the_same_choices() -> None:
    data = shipped()
    data["en"]["menus"]["main"]["options"][2]["queue"] = "emergency"
    problems = lint_scripts(parse_scripts(data), queues=QUEUES)
    assert any("differ from nl" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("en"), "IVR menus missing for: en"),
        (lambda d: d.update(fr=d["nl"]), "unknown IVR language 'fr'"),
        (lambda d: d["nl"]["phrases"].pop("position"), "nl.phrases lacks: position"),
        (lambda d: d["nl"]["menus"]["main"].update(options="x"), "main.options must be a list"),
        (lambda d: d["nl"]["menus"]["main"]["options"][0].update(say=""), r"options\[0\]\.say"),
        (lambda d: d["nl"]["menus"]["main"]["options"][0].update(priority="x"), "priority"),
    ],
)
def test_bad_shapes_are_refused_with_where(change: Any, message: str) -> None:
    data = shipped()
    change(data)
    with pytest.raises(ValidationError, match=message):
        parse_scripts(data)


@given(st.integers(min_value=1, max_value=9))
def test_options_per_level_over_the_maximum_are_refused(count: int) -> None:
    others = [leaf(str(d)) for d in range(2, count)]
    options = [emergency(), *others, person("0")][:count] if count > 1 else [emergency()]
    problems = lint({"main": options})
    too_many = any(f"at most {MAX_OPTIONS}" in p for p in problems)
    assert too_many == (len(options) > MAX_OPTIONS)


@given(st.integers(min_value=1, max_value=6))
def test_levels_deeper_than_the_maximum_are_refused(depth: int) -> None:
    names = ["main", *(f"level{n}" for n in range(2, depth + 1))]
    menus: dict[str, list[dict[str, Any]]] = {}
    for index, name in enumerate(names):
        options = [person()]
        if index + 1 < len(names):
            options.insert(0, {"digit": "2", "say": "s", "label": "s", "menu": names[index + 1]})
        menus[name] = options
    menus["main"].insert(0, emergency())
    problems = lint(menus)
    assert any("deeper than" in p for p in problems) == (depth > MAX_DEPTH)
    assert [p for p in problems if "deeper than" not in p] == []


def test_a_loop_of_menus_is_refused() -> None:
    sub = [{"digit": "2", "say": "s", "label": "s", "menu": "main"}, person()]
    problems = lint(
        {
            "main": [
                emergency(),
                {"digit": "2", "say": "s", "label": "s", "menu": "sub"},
                person(),
            ],
            "sub": sub,
        }
    )
    assert any("reached twice" in p for p in problems)


@given(st.lists(st.sampled_from("0123456789"), min_size=1, max_size=5, unique=True))
def test_every_valid_digit_selects_its_own_option(digits: list[str]) -> None:
    options = [{**leaf(d), "keywords": [f"word{d}"]} for d in digits]
    script = parse_script(Language.EN, script_data({"main": options}))
    menu = script.menus["main"]
    for digit in digits:
        chosen = choose(menu, digits=digit)
        assert chosen is not None and chosen.digit == digit
        spoken = choose(menu, speech=f"please WORD{digit}.")
        assert spoken is not None and spoken.digit == digit
