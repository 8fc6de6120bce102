"""IVR menus: spoken menus as data, the choice a caller's key press or words select, the lint.

A phone menu is configuration a contact-centre lead changes, not code: one ``IvrScript`` per
language, parsed from plain data (``parse_script``: the shape of ``domain/ivr_menus.py`` or a
TOML file given to ``klantenservice ivr lint``). The spoken texts are data too, in the script's
own language, because Twilio speaks them (they are not gettext messages of a screen).

A menu offers options; each option is reached by one DTMF digit and by speech keywords, and
does exactly one thing: open a submenu, join a queue (with a priority, category, skills), or
go to a person (the script's ``person_queue``). The lint (``lint_script``) enforces what makes
a menu usable on the phone, the rules callers and regulators complain about:

- at most ``MAX_OPTIONS`` options on a level and ``MAX_DEPTH`` levels: a caller remembers few;
- every level offers a person: nobody is trapped in a machine;
- the top level's first option is the emergency lane (fraud, a lost or stolen card), routed
  with priority emergency: it is heard first and costs one key;
- every option leads somewhere: a submenu that exists, a queue that exists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import Language, Priority

MAX_OPTIONS = 5
MAX_DEPTH = 3
TOP = "main"
DIGITS = frozenset("0123456789")
MAX_PROMPT_CHARS = 500  # Twilio's <Say> takes up to 4,096; a longer prompt loses the caller
PHRASES = (
    "welcome",  # once, before the top menu
    "not_understood",  # an answer that matches no option
    "transfer",  # the caller joins a queue
    "position",  # "{position}" is replaced by the caller's place in the queue
    "callback_offer",  # while waiting: press / say to be called back
    "callback_confirmed",  # the call-back request is stored; the call ends
    "connected",  # an agent takes the call
    "goodbye",
    # not spoken: the inbound message a call becomes, in the caller's language ({path}: labels)
    "call_subject",
    "call_note",
    "callback_note",  # {number}: the caller's number, to call back
)
# optional: "emergency_reference" ({reference}), read out when an emergency report is stored


@dataclass(frozen=True, slots=True)
class Route:
    """Join ``queue`` with these properties (the case the call becomes is routed by them)."""

    queue: str
    priority: Priority = Priority.NORMAL
    category: str | None = None
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Option:
    digit: str
    say: str  # how the option is announced, e.g. "Voor fraude, toets 1 of zeg fraude."
    label: str  # short name in the call's IVR path and the case's timeline
    keywords: tuple[str, ...] = ()
    submenu: str | None = None
    route: Route | None = None
    person: bool = False

    @property
    def actions(self) -> int:
        return (self.submenu is not None) + (self.route is not None) + self.person


@dataclass(frozen=True, slots=True)
class Menu:
    id: str
    prompt: str
    options: tuple[Option, ...]

    def option(self, digit: str) -> Option | None:
        return next((o for o in self.options if o.digit == digit), None)


@dataclass(frozen=True, slots=True)
class IvrScript:
    language: Language
    voice_language: str  # Twilio's Gather/Say language, e.g. "nl-NL"
    person_queue: str
    phrases: Mapping[str, str]
    callback_keywords: tuple[str, ...]
    menus: Mapping[str, Menu]

    def menu(self, menu_id: str) -> Menu | None:
        return self.menus.get(menu_id)

    def route_of(self, option: Option) -> Route | None:
        """Where a leaf option sends the caller; ``None`` for a submenu."""
        if option.person:
            return Route(self.person_queue)
        return option.route

    def phrase(self, name: str, **values: object) -> str:
        return self.phrases[name].format(**values)


# --- matching a caller's answer ----------------------------------------------------------------


def normalise_speech(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: what keywords compare to."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def _says(speech: str, keyword: str) -> bool:
    return f" {normalise_speech(keyword)} " in f" {speech} "


def choose(menu: Menu, *, digits: str = "", speech: str = "") -> Option | None:
    """The option a caller picked: the digit if one was pressed, else the first spoken keyword.

    Options are tried in menu order, so words that match two options (``"mijn pas is
    gestolen"``) pick the earlier one: the emergency option, first on the top level, wins.
    """
    pressed = digits.strip()[:1]
    if pressed:
        return menu.option(pressed)
    heard = normalise_speech(speech)
    if not heard:
        return None
    return next((o for o in menu.options if any(_says(heard, k) for k in o.keywords)), None)


def wants_callback(script: IvrScript, *, digits: str = "", speech: str = "") -> bool:
    """While waiting in the queue: 1, or one of the language's call-back words."""
    if digits.strip():
        return digits.strip()[:1] == "1"
    heard = normalise_speech(speech)
    return bool(heard) and any(_says(heard, k) for k in script.callback_keywords)


# --- parsing -----------------------------------------------------------------------------------


def parse_scripts(data: Mapping[str, Any]) -> dict[Language, IvrScript]:
    """``{"nl": {...}, "en": {...}}`` → one script per language; a clear error on bad shape."""
    scripts: dict[Language, IvrScript] = {}
    for code, raw in data.items():
        try:
            language = Language(code)
        except ValueError:
            raise ValidationError(f"unknown IVR language {code!r}; use nl or en") from None
        scripts[language] = parse_script(language, _mapping(raw, code))
    missing = set(Language) - set(scripts)
    if missing:
        raise ValidationError(f"IVR menus missing for: {', '.join(sorted(missing))}")
    return scripts


def parse_script(language: Language, raw: Mapping[str, Any]) -> IvrScript:
    where = language.value
    phrases = {
        str(k): _text(v, f"{where}.phrases.{k}")
        for k, v in _mapping(raw.get("phrases"), f"{where}.phrases").items()
    }
    absent = [p for p in PHRASES if p not in phrases]
    if absent:
        raise ValidationError(f"{where}.phrases lacks: {', '.join(absent)}")
    for name, text in phrases.items():
        try:
            text.format(position=1, path="", number="", reference="")
        except (KeyError, IndexError, ValueError):
            raise ValidationError(
                f"{where}.phrases.{name}: use only {{position}}, {{path}}, {{number}} "
                "or {{reference}}"
            ) from None
    menus = {
        str(menu_id): _menu(str(menu_id), _mapping(body, f"{where}.menus.{menu_id}"), where)
        for menu_id, body in _mapping(raw.get("menus"), f"{where}.menus").items()
    }
    return IvrScript(
        language=language,
        voice_language=_text(raw.get("voice_language"), f"{where}.voice_language"),
        person_queue=_text(raw.get("person_queue"), f"{where}.person_queue"),
        phrases=phrases,
        callback_keywords=_words(raw.get("callback_keywords", ()), f"{where}.callback_keywords"),
        menus=menus,
    )


def _menu(menu_id: str, raw: Mapping[str, Any], where: str) -> Menu:
    here = f"{where}.menus.{menu_id}"
    options = raw.get("options")
    if not isinstance(options, list):
        raise ValidationError(f"{here}.options must be a list")
    return Menu(
        id=menu_id,
        prompt=_text(raw.get("prompt", ""), f"{here}.prompt", empty=True),
        options=tuple(
            _option(_mapping(o, f"{here}.options[{i}]"), f"{here}.options[{i}]")
            for i, o in enumerate(options)
        ),
    )


def _option(raw: Mapping[str, Any], here: str) -> Option:
    route = None
    if raw.get("queue") is not None:
        priority = raw.get("priority", "normal")
        route = Route(
            queue=_text(raw["queue"], f"{here}.queue"),
            priority=Priority.parse(_text(priority, f"{here}.priority")),
            category=_text(raw["category"], f"{here}.category") if "category" in raw else None,
            skills=frozenset(_words(raw.get("skills", ()), f"{here}.skills")),
        )
    submenu = raw.get("menu")
    return Option(
        digit=_text(raw.get("digit"), f"{here}.digit"),
        say=_text(raw.get("say"), f"{here}.say"),
        label=_text(raw.get("label"), f"{here}.label"),
        keywords=_words(raw.get("keywords", ()), f"{here}.keywords"),
        submenu=_text(submenu, f"{here}.menu") if submenu is not None else None,
        route=route,
        person=raw.get("person") is True,
    )


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where} must be a table of named values")
    return value


def _text(value: object, where: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or not (empty or value.strip()):
        raise ValidationError(f"{where} must be a non-empty text")
    return value.strip()


def _words(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(w, str) for w in value):
        raise ValidationError(f"{where} must be a list of texts")
    return tuple(w.strip() for w in value if w.strip())


# --- the lint ----------------------------------------------------------------------------------


def lint_scripts(
    scripts: Mapping[Language, IvrScript], *, queues: Iterable[str] | None = None
) -> list[str]:
    """Every problem of every language's script, each one line naming where; [] when usable."""
    known = frozenset(queues) if queues is not None else None
    problems = [p for script in scripts.values() for p in lint_script(script, queues=known)]
    first = next(iter(scripts.values()), None)
    for script in scripts.values():
        if first is not None and _shape(script) != _shape(first):
            problems.append(
                f"{script.language}: menus, digits or routes differ from {first.language}; "
                "a caller must find the same choices in every language"
            )
    return problems


def _shape(script: IvrScript) -> list[str]:
    """What a caller can do, comparable across languages (repr: None and text never compared)."""
    return sorted(
        repr((m.id, o.digit, o.submenu, script.route_of(o)))
        for m in script.menus.values()
        for o in m.options
    )


def lint_script(script: IvrScript, *, queues: Iterable[str] | None = None) -> list[str]:
    """The problems of one language's script (see the module docstring for the rules)."""
    known = frozenset(queues) if queues is not None else None
    lang = script.language.value
    problems: list[str] = []
    if known is not None and script.person_queue not in known:
        problems.append(f"{lang}: person_queue {script.person_queue!r} is not a queue")
    top = script.menu(TOP)
    if top is None:
        return [*problems, f"{lang}: there is no top menu {TOP!r}"]
    for menu in script.menus.values():
        problems.extend(_lint_menu(script, menu, known))
    problems.extend(_lint_emergency(script, top))
    problems.extend(_lint_depth(script))
    return problems


def _lint_menu(script: IvrScript, menu: Menu, known: frozenset[str] | None) -> list[str]:
    here = f"{script.language.value}: menu {menu.id!r}"
    problems: list[str] = []
    if not menu.options:
        problems.append(f"{here} has no options")
    if len(menu.options) > MAX_OPTIONS:
        problems.append(f"{here} has {len(menu.options)} options; at most {MAX_OPTIONS}")
    if not any(o.person for o in menu.options):
        problems.append(f"{here} offers no way to a person")
    seen_digits: set[str] = set()
    seen_words: dict[str, str] = {}
    for option in menu.options:
        at = f"{here} option {option.digit!r}"
        if option.digit not in DIGITS:
            problems.append(f"{at}: the digit must be one of 0-9")
        elif option.digit in seen_digits:
            problems.append(f"{at}: the digit is used twice")
        seen_digits.add(option.digit)
        for word in map(normalise_speech, option.keywords):
            if seen_words.setdefault(word, option.digit) != option.digit:
                problems.append(f"{at}: keyword {word!r} also selects {seen_words[word]!r}")
        if option.actions != 1:
            problems.append(f"{at} must do exactly one of: menu, queue, person")
        if option.submenu is not None and script.menu(option.submenu) is None:
            problems.append(f"{at} leads to menu {option.submenu!r}, which does not exist")
        route = option.route
        if known is not None and route is not None and route.queue not in known:
            problems.append(f"{at} routes to queue {route.queue!r}, which does not exist")
        if len(option.say) > MAX_PROMPT_CHARS:
            problems.append(f"{at}: the announcement is over {MAX_PROMPT_CHARS} characters")
    return problems


def _lint_emergency(script: IvrScript, top: Menu) -> list[str]:
    first = top.options[0] if top.options else None
    route = script.route_of(first) if first is not None else None
    if route is None or route.priority is not Priority.EMERGENCY:
        return [
            f"{script.language.value}: the top menu's first option must be the emergency "
            "option (fraud, lost or stolen card) with priority emergency"
        ]
    return []


def _lint_depth(script: IvrScript) -> list[str]:
    """Levels reachable from the top: over ``MAX_DEPTH`` (a cycle is infinitely deep)."""
    lang = script.language.value
    level, frontier, seen = 1, [TOP], {TOP}
    while frontier:
        following: list[str] = []
        for menu_id in frontier:
            menu = script.menu(menu_id)
            for option in menu.options if menu is not None else ():
                if option.submenu is None or script.menu(option.submenu) is None:
                    continue
                if option.submenu in seen:
                    return [f"{lang}: menu {option.submenu!r} is reached twice (a loop?)"]
                seen.add(option.submenu)
                following.append(option.submenu)
        if following and level == MAX_DEPTH:
            return [f"{lang}: menus are nested deeper than {MAX_DEPTH} levels"]
        level, frontier = level + 1, following
    unreachable = sorted(set(script.menus) - seen)
    return [f"{lang}: menu {m!r} cannot be reached from {TOP!r}" for m in unreachable]
