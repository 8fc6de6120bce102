"""The small bank the browser tests work in, written through the services (as real use would).

One 24/7 calendar (so promise clocks move at any hour the tests run), five queues, one promise
policy (first response 10 hours, warning at 80 %), five agents, a supervisor and eleven waiting
cases (one in "hypotheken", where only Eva works, for the supervisor tests) from
customers on every channel. The case view's tests have their own queues and people: "service"
(Noor's and Ruben's e-mails; Lars and Mila) and "nazorg" (where Lars transfers to), the demo
reply templates and an integration token. Times are relative to the moment of seeding,
walking forward:

    now - 14 h   configuration, staff; Tom enables his second factor
    now - 12 h   Jan's e-mail            breached by now (10 h first response)
    now -  9 h   Emma's web form         at risk by now (9 of 10 h) for the next hour
    now -  2 h   Piet's call, urgent     the first case "Next case" gives an agent
    ...          five more, on chat, WhatsApp, SMS, e-mail and web form
    now          the promise sweeper marks what is at risk or breached

Nothing is routed at intake (``auto_assign=False``): every case waits in its queue. Each
test signs in as its own agent, so tests do not depend on each other's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from klantenservice.adapters.clock import SystemClock
from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.security import fast_hasher, totp_code
from klantenservice.demo.reply_templates import seed_reply_templates
from klantenservice.demo.standard import always_open_calendar
from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.cases import format_reference
from klantenservice.domain.customers import ContactKind, ContactPoint
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import Channel, Language, Presence, Priority, QueueId, Role
from klantenservice.services import auth, directory
from klantenservice.services.inbound import InboundMessage, IntakeOptions, receive_message
from klantenservice.services.ports import SYSTEM, Actor, UnitOfWorkFactory
from klantenservice.workers.promise_sweeper import PromiseSweeper

PASSWORD = "correct horse battery staple"
TIMEZONE = "Europe/Amsterdam"


@dataclass(frozen=True, slots=True)
class Agents:
    anna: str = "anna@bank.example"  # takes the next case
    bob: str = "bob@bank.example"  # changes presence
    daan: str = "daan@bank.example"  # is attacked by a forged CSRF token
    tom: str = "tom@bank.example"  # has a second factor
    eva: str = "eva@bank.example"  # works the "hypotheken" queue: the supervisor tests' agent
    sanne: str = "sanne@bank.example"  # supervisor (no agent profile)
    lars: str = "lars@bank.example"  # case view: next case in "service", reply, note, transfer
    mila: str = "mila@bank.example"  # case view: watches a case live, shortcuts, templates
    kim: str = "kim@bank.example"  # customer matching: a WhatsApp from Piet's phone number


@dataclass(frozen=True, slots=True)
class Seeded:
    agents: Agents
    tom_totp_secret: str
    references: dict[str, str]  # customer's first name -> case reference
    case_ids: dict[str, int]
    integration_token: str = ""  # posts inbound messages (the case view's live test)


@dataclass(frozen=True, slots=True)
class Contact:
    first_name: str
    name: str
    channel: Channel
    contact: ContactPoint
    subject: str
    body: str
    ago: timedelta
    language: Language = Language.NL
    priority: Priority = Priority.NORMAL
    queue: str = "general"


def _email(address: str) -> ContactPoint:
    return ContactPoint.parse(ContactKind.EMAIL, address)


def _phone(number: str, kind: ContactKind = ContactKind.PHONE) -> ContactPoint:
    return ContactPoint.parse(kind, number)


H = timedelta(hours=1)
M = timedelta(minutes=1)
CONTACTS = (
    Contact("Jan", "Jan Jansen", Channel.EMAIL, _email("jan.jansen@example.nl"),
            "Pas geblokkeerd", "Mijn betaalpas is geblokkeerd na drie keer een foute pincode.",
            12 * H),
    Contact("Emma", "Emma Clarke", Channel.WEB_FORM, _email("emma.clarke@example.co.uk"),
            "Card declined abroad", "My card was declined at a shop in Spain. Can you help?",
            9 * H, Language.EN),
    Contact("Piet", "Piet de Boer", Channel.PHONE, _phone("+31612345678"),
            "Overboeking niet aangekomen",
            "Mijn overboeking van 450 euro van gisteren is nog niet aangekomen.", 2 * H,
            priority=Priority.URGENT),
    Contact("Sarah", "Sarah de Wit", Channel.CHAT, _email("sarah.dewit@example.nl"),
            "Eerste order mislukt", "Mijn eerste order geeft een foutmelding.", 90 * M,
            queue="beleggen"),
    Contact("Oliver", "Oliver Bennett", Channel.EMAIL, _email("oliver.bennett@example.co.uk"),
            "Request for my personal data", "I would like to see all data you hold on me.",
            60 * M, Language.EN),
    Contact("Ingrid", "Ingrid Bakker", Channel.WHATSAPP,
            _phone("+31687654321", ContactKind.WHATSAPP), "Dubbele kosten afgeschreven",
            "De maandkosten zijn twee keer afgeschreven.", 45 * M, priority=Priority.HIGH),
    Contact("Willem", "Willem de Graaf", Channel.EMAIL, _email("willem@example.nl"),
            "Hypotheek oversluiten", "Wat kost het om mijn hypotheek over te sluiten?", 25 * M,
            queue="hypotheken"),
    Contact("Noor", "Noor Jansen", Channel.EMAIL, _email("noor.jansen@example.nl"),
            "Rente spaarrekening", "Welke rente krijg ik op mijn spaarrekening?", 30 * M,
            priority=Priority.HIGH, queue="service"),
    Contact("Ruben", "Ruben Smits", Channel.EMAIL, _email("ruben.smits@example.nl"),
            "Pas werkt niet", "Mijn betaalpas werkt niet bij de automaat.", 28 * M,
            queue="service"),
    Contact("Henk", "Henk Visser", Channel.SMS, _phone("+31611122233"), "Adreswijziging",
            "Ik ben verhuisd, hoe geef ik mijn nieuwe adres door?", 20 * M,
            priority=Priority.LOW),
    Contact("Fatima", "Fatima el Amrani", Channel.WEB_FORM, _email("fatima@example.nl"),
            "Hypotheekofferte verlengen", "Kan de geldigheid van mijn offerte verlengd worden?",
            10 * M),
)  # fmt: skip


def seed(database_url: str, now: datetime) -> Seeded:
    """Create the database at ``database_url`` (a new SQLite file) and fill it."""
    upgrade_to_head(database_url)
    engine = make_engine(database_url, sqlite_synchronous="OFF")  # throw-away: speed first
    try:
        uow = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
        credentials = Argon2Credentials(fast_hasher())
        start = now - 14 * H
        queues = _configure(uow, start)
        secret = _staff(uow, credentials, queues, start)
        token = _case_view_staff(uow, credentials, queues, start)
        references, ids = _cases(uow, now)
        PromiseSweeper(cast(SqlUnitOfWorkFactory, uow), _FixedClock(now)).run_once()
    finally:
        engine.dispose()
    return Seeded(Agents(), secret, references, ids, token)


class _FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def _configure(uow: UnitOfWorkFactory, at: datetime) -> dict[str, QueueId]:
    directory.put_calendar(
        uow(), actor=SYSTEM, name="office", definition=always_open_calendar(TIMEZONE), now=at
    )
    queues = {}
    for name in ("general", "beleggen", "hypotheken", "service", "nazorg", "klantbeeld"):
        queue = directory.create_queue(uow(), actor=SYSTEM, queue=Queue(None, name), now=at)
        assert queue.id is not None
        queues[name] = queue.id
    policy = PromisePolicy(
        name="standard",
        calendar="office",
        first_response=10 * H,
        next_response=10 * H,
        resolution=48 * H,
    )
    directory.add_promise_policy(uow(), actor=SYSTEM, policy=policy, now=at)
    return queues


def _staff(
    uow: UnitOfWorkFactory, credentials: Argon2Credentials, queues: dict[str, QueueId], at: datetime
) -> str:
    both = frozenset(queues.values())
    people = (
        ("anna@bank.example", "Anna de Vries", both, Presence.AWAY),
        ("bob@bank.example", "Bob Bakker", frozenset({queues["general"]}), Presence.AVAILABLE),
        ("daan@bank.example", "Daan Mulder", frozenset({queues["general"]}), Presence.AVAILABLE),
        ("tom@bank.example", "Tom Hendriks", frozenset({queues["general"]}), Presence.OFFLINE),
        ("eva@bank.example", "Eva Jager", frozenset({queues["hypotheken"]}), Presence.OFFLINE),
        ("kim@bank.example", "Kim de Jong", frozenset({queues["klantbeeld"]}), Presence.OFFLINE),
    )
    users = {}
    for email, name, queue_ids, presence in people:
        agent = Agent(
            None, None, name, languages=frozenset({"nl", "en"}), queue_ids=queue_ids,
            presence=presence,
        )  # fmt: skip
        users[email] = auth.create_staff_user(
            uow(), actor=SYSTEM, email=email, name=name, password=PASSWORD,
            roles=frozenset({Role.AGENT}), now=at, credentials=credentials, agent=agent,
        )  # fmt: skip
    auth.create_staff_user(
        uow(), actor=SYSTEM, email="sanne@bank.example", name="Sanne Smit", password=PASSWORD,
        roles=frozenset({Role.SUPERVISOR}), now=at, credentials=credentials,
    )  # fmt: skip
    tom = users["tom@bank.example"]
    secret = credentials.new_totp_secret()
    actor = Actor(kind="user", id=tom.id, roles=tom.roles, name=tom.name)
    code = totp_code(secret, at=at)
    auth.enable_totp(uow(), actor=actor, secret=secret, code=code, now=at, credentials=credentials)
    return secret


def _cases(uow: UnitOfWorkFactory, now: datetime) -> tuple[dict[str, str], dict[str, int]]:
    options = IntakeOptions(auto_assign=False)
    references: dict[str, str] = {}
    ids: dict[str, int] = {}
    for contact in sorted(CONTACTS, key=lambda c: -c.ago):
        inbound = InboundMessage(
            channel=contact.channel,
            body=contact.body,
            contact=contact.contact,
            customer_name=contact.name,
            language=contact.language,
            subject=contact.subject,
            priority=contact.priority,
            queue=contact.queue,
        )
        result = receive_message(
            uow, actor=SYSTEM, inbound=inbound, now=now - contact.ago, options=options
        )
        ids[contact.first_name] = result.case_id
        references[contact.first_name] = format_reference(result.case_id)
    return references, ids


def system_now() -> datetime:
    return SystemClock().now()


def _case_view_staff(
    uow: UnitOfWorkFactory, credentials: Argon2Credentials, queues: dict[str, QueueId], at: datetime
) -> str:
    """The case view's tests: Lars and Mila in "service" (nazorg takes transfers), the demo
    reply templates, and an integration token; returns the token."""
    service = frozenset({queues["service"]})
    for email, name, presence in (
        ("lars@bank.example", "Lars Visser", Presence.AVAILABLE),
        ("mila@bank.example", "Mila de Bruin", Presence.OFFLINE),
    ):
        agent = Agent(
            None, None, name, languages=frozenset({"nl", "en"}), queue_ids=service,
            presence=presence,
        )  # fmt: skip
        auth.create_staff_user(
            uow(), actor=SYSTEM, email=email, name=name, password=PASSWORD,
            roles=frozenset({Role.AGENT}), now=at, credentials=credentials, agent=agent,
        )  # fmt: skip
    seed_reply_templates(uow, actor=SYSTEM, now=at)
    _token_id, token = auth.create_api_token(
        uow(), actor=SYSTEM, name="browser tests", roles=frozenset({Role.INTEGRATION}), now=at,
        credentials=credentials,
    )  # fmt: skip
    return token
