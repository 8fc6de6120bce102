"""Who is in the demo: two teams, ten agents, staff logins and 200 generated customers.

Customers are generated from a seeded ``random.Random``: the same seed gives the same people.
Phone numbers are drawn at random and kept only when ``phonenumbers`` calls them valid for
their country (NL, BE, GB mobile ranges); e-mail addresses use the ``example.*`` domains, so
no generated address belongs to anyone. Staff log in at ``@bank.example``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from types import MappingProxyType

import phonenumbers

from klantenservice.domain.agents import DEFAULT_CAPACITY
from klantenservice.domain.customers import ContactKind, ContactPoint, VerificationLevel
from klantenservice.domain.vocabulary import Channel, Language, Presence, Role

STAFF_DOMAIN = "bank.example"
RETAIL_TEAM = "Particulieren"
FRAUD_TEAM = "Fraude & Beleggen"
INVESTMENTS_QUEUE = "beleggen"


@dataclass(frozen=True, slots=True)
class Login:
    """A demo account; the password is printed by ``klantenservice demo``."""

    email: str
    name: str
    roles: frozenset[Role]
    password: str


ADMIN = Login(f"admin@{STAFF_DOMAIN}", "Demo Beheerder", frozenset({Role.ADMIN}), "demo-admin-2026")
SUPERVISOR = Login(
    f"supervisor@{STAFF_DOMAIN}",
    "Marieke Bos",
    frozenset({Role.SUPERVISOR}),
    "demo-supervisor-2026",
)
COMPLIANCE = Login(
    f"compliance@{STAFF_DOMAIN}",
    "Ruud Verbeek",
    frozenset({Role.COMPLIANCE}),
    "demo-compliance-2026",
)
AGENT_PASSWORD = "demo-agent-2026"  # noqa: S105 - a published demo password


@dataclass(frozen=True, slots=True)
class AgentSpec:
    login: str
    name: str
    team: str
    languages: frozenset[str]
    skills: frozenset[str]
    presence: Presence  # at the end of the demo; everyone works while history is written
    capacity: MappingProxyType[Channel, int] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_CAPACITY))
    )

    @property
    def email(self) -> str:
        return f"{self.login}@{STAFF_DOMAIN}"


def _agent(
    login: str, name: str, team: str, languages: str, skills: str, presence: Presence, **more: int
) -> AgentSpec:
    """An agent from space-separated languages and skills; ``more``: capacity changes."""
    capacity = dict(DEFAULT_CAPACITY)
    capacity.update({Channel(channel): amount for channel, amount in more.items()})
    return AgentSpec(
        login,
        name,
        team,
        frozenset(languages.split()),
        frozenset(skills.split()),
        presence,
        MappingProxyType(capacity),
    )


_ON, _AWAY, _OFF = Presence.AVAILABLE, Presence.AWAY, Presence.OFFLINE
AGENTS: tuple[AgentSpec, ...] = (
    _agent("anna", "Anna de Vries", RETAIL_TEAM, "nl en", "payments cards", _ON),
    _agent("daan", "Daan Mulder", RETAIL_TEAM, "nl", "payments savings", _ON, chat=4),
    _agent("fatima", "Fatima El Amrani", RETAIL_TEAM, "nl en", "cards savings payments", _ON),
    _agent("jeroen", "Jeroen Smit", RETAIL_TEAM, "nl en", "mortgage savings", _AWAY, email=8),
    _agent("lisa", "Lisa Peters", RETAIL_TEAM, "nl", "mortgage payments", _OFF),
    _agent("tom", "Tom Hendriks", RETAIL_TEAM, "nl en", "cards payments", _ON, whatsapp=4),
    _agent("emily", "Emily Carter", FRAUD_TEAM, "en nl", "investments fraud", _ON),
    _agent("bram", "Bram van Leeuwen", FRAUD_TEAM, "nl en", "fraud cards payments", _ON, chat=2),
    _agent("sanne", "Sanne Kok", FRAUD_TEAM, "nl en", "investments savings fraud", _AWAY),
    _agent("youssef", "Youssef Bakkali", FRAUD_TEAM, "nl", "fraud investments", _OFF, email=3),
)


@dataclass(frozen=True, slots=True)
class Person:
    """A generated (or scripted) customer before registration."""

    key: str
    name: str
    first_name: str
    language: Language
    segment: str
    vulnerable: bool
    verification: VerificationLevel
    email: str
    phone: str
    whatsapp: bool
    external_ref: str

    def contact_points(self) -> tuple[ContactPoint, ...]:
        points = [
            ContactPoint(ContactKind.EMAIL, self.email),
            ContactPoint(ContactKind.PHONE, self.phone),
        ]
        if self.whatsapp:
            points.append(ContactPoint(ContactKind.WHATSAPP, self.phone.removeprefix("+")))
        return tuple(points)

    def channels(self) -> frozenset[Channel]:
        every = frozenset(Channel) - {Channel.INTERNAL_NOTE}
        return every if self.whatsapp else every - {Channel.WHATSAPP}


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split(", "))


NL_FIRST = _names(
    "Jan, Pieter, Kees, Henk, Willem, Sander, Joost, Bas, Ruben, Thijs, Lucas, Milan, Sem, "
    "Noah, Ahmed, Mohamed, Emma, Sophie, Julia, Anouk, Lotte, Femke, Eva, Sanne, Ingrid, "
    "Marieke, Els, Joke, Yvonne, Nina, Fenna, Saskia, Hanneke, Priya, Zeynep, Ilse"
)
NL_LAST = _names(
    "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, "
    "Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, "
    "Brouwer, de Wit, Dijkstra, Smits, de Graaf, van der Meer, Kok, Jacobs, de Haan, "
    "Vermeulen, van den Heuvel, Schouten, Yilmaz, Öztürk, Kaya, El Idrissi, Ramdin"
)
BE_LAST = _names("Peeters, Maes, Claes, Wouters, Goossens, De Smet, Willems, Mertens")
EN_FIRST = _names(
    "James, Oliver, Harry, George, Jack, Thomas, William, Daniel, Amelia, Olivia, Isla, "
    "Emily, Charlotte, Grace, Chloe, Hannah, Aisha, Raj"
)
EN_LAST = _names(
    "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Evans, Thomas, Roberts, "
    "Walker, Wright, Thompson, Hughes, Patel, Khan, Clarke"
)
COMPANIES = (
    "Bakkerij {last}",
    "{last} Installatietechniek B.V.",
    "Kapsalon {first}",
    "{last} Holding",
    "Transportbedrijf {last}",
    "Tandartspraktijk {last}",
    "{last} & Zonen",
    "Bloemenhuis {first}",
)
# (country, mobile prefix, digits after the prefix)
MOBILE_PLANS = {"NL": ("+316", 8), "BE": ("+324", 8), "GB": ("+447", 9)}
MAIL_DOMAINS = {"NL": "example.nl", "BE": "example.be", "GB": "example.co.uk"}


class PeopleFactory:
    """Generates unique, valid customers from one seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._phones: set[str] = set()
        self._emails: set[str] = set()
        self._count = 0

    def phone(self, country: str) -> str:
        prefix, digits = MOBILE_PLANS[country]
        while True:
            raw = prefix + "".join(self._rng.choice("0123456789") for _ in range(digits))
            number = phonenumbers.parse(raw, None)
            if phonenumbers.is_valid_number(number) and raw not in self._phones:
                self._phones.add(raw)
                return raw

    def email(self, first: str, last: str, country: str) -> str:
        base = f"{first}.{last}".lower().replace(" ", "").replace("ö", "o").replace("ü", "u")
        candidate, n = f"{base}@{MAIL_DOMAINS[country]}", 1
        while candidate in self._emails:
            n += 1
            candidate = f"{base}{n}@{MAIL_DOMAINS[country]}"
        self._emails.add(candidate)
        return candidate

    def person(
        self,
        *,
        first: str,
        last: str,
        country: str,
        language: Language,
        segment: str = "retail",
        vulnerable: bool = False,
        verification: VerificationLevel = VerificationLevel.AUTHENTICATED,
        whatsapp: bool = False,
        key: str | None = None,
        company: str | None = None,
    ) -> Person:
        self._count += 1
        return Person(
            key=key or f"customer-{self._count}",
            name=company or f"{first} {last}",
            first_name=first,
            language=language,
            segment=segment,
            vulnerable=vulnerable,
            verification=verification,
            email=self.email(first, last, country),
            phone=self.phone(country),
            whatsapp=whatsapp,
            external_ref=f"REL-{400000 + self._count * 37:07d}",
        )

    def random_person(self) -> Person:
        rng = self._rng
        origin = rng.choices(("NL", "BE", "GB", "EXPAT"), weights=(64, 10, 16, 10))[0]
        if origin in ("NL", "BE"):
            first = rng.choice(NL_FIRST)
            last = rng.choice(NL_LAST if origin == "NL" else BE_LAST)
            country, language = origin, Language.NL
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            country = "GB" if origin == "GB" else "NL"
            language = Language.EN
        segment = rng.choices(("retail", "private", "business"), weights=(80, 10, 10))[0]
        company = None
        if segment == "business" and language is Language.NL:
            company = rng.choice(COMPANIES).format(first=first, last=last)
        levels = list(VerificationLevel)
        return self.person(
            first=first,
            last=last,
            country=country,
            language=language,
            segment=segment,
            vulnerable=rng.random() < 0.06,
            verification=rng.choices(levels, weights=(8, 30, 47, 15))[0],
            whatsapp=rng.random() < 0.4,
            company=company,
        )
