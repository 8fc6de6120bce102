"""The bank the portal's browser tests work in: four customers with a bank reference.

Written through the services, like ``seed.py``, into its own SQLite file (the portal tests
run their own server, so their writes never change what the desk tests count):

    Ann de Wit    "Pas geblokkeerd": her e-mail, an internal note, the bank's answer; the
                  case waits for her reply. "Dubbele afschrijving": resolved.
    Ben Bakker    "Hypotheekofferte verlengen" (the case Ann must not open)
    Carla Jansen  "Adreswijziging" (she replies in a test)
    Dirk Visser   no case yet (he asks a new question in a test)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.adapters.security import fast_hasher
from klantenservice.demo.standard import always_open_calendar
from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.customers import Customer
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import CaseId, Channel, CustomerId, Presence, Role
from klantenservice.services import auth, directory
from klantenservice.services import cases as case_service
from klantenservice.services import messages as message_service
from klantenservice.services.inbound import InboundMessage, IntakeOptions, receive_message
from klantenservice.services.ports import SYSTEM, Actor, UnitOfWorkFactory

H = timedelta(hours=1)
INTERNAL_NOTE = "Interne notitie: klant belde al twee keer, pas gaat per post."
ANSWER = "Uw nieuwe pas is onderweg. Wilt u bevestigen dat de oude pas is doorgeknipt?"


@dataclass(frozen=True, slots=True)
class PortalSeeded:
    cases: dict[str, int]  # subject -> case id


def seed_portal(database_url: str, now: datetime) -> PortalSeeded:
    upgrade_to_head(database_url)
    engine = make_engine(database_url, sqlite_synchronous="OFF")
    try:
        uow = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
        start = now - 48 * H
        agent = _configure(uow, start)
        people = _customers(uow, start)
        return PortalSeeded(_cases(uow, agent, people, now))
    finally:
        engine.dispose()


def _configure(uow: UnitOfWorkFactory, at: datetime) -> Actor:
    calendar = always_open_calendar("Europe/Amsterdam")
    directory.put_calendar(uow(), actor=SYSTEM, name="office", definition=calendar, now=at)
    for name in ("general", "emergency"):
        directory.create_queue(uow(), actor=SYSTEM, queue=Queue(None, name), now=at)
    policy = PromisePolicy(
        name="standard", calendar="office", first_response=8 * H, next_response=8 * H,
        resolution=72 * H,
    )  # fmt: skip
    directory.add_promise_policy(uow(), actor=SYSTEM, policy=policy, now=at)
    user = auth.create_staff_user(
        uow(), actor=SYSTEM, email="anna@bank.example", name="Anna de Vries",
        password="correct horse battery staple", roles=frozenset({Role.AGENT}), now=at,
        credentials=Argon2Credentials(fast_hasher()),
        agent=Agent(None, None, "Anna de Vries", languages=frozenset({"nl", "en"}),
                    presence=Presence.AVAILABLE),
    )  # fmt: skip
    with uow(read_only=True) as read:
        agent = read.agents.by_user(user.id)
    assert agent is not None and agent.id is not None
    return Actor("user", user.id, frozenset({Role.AGENT}), agent_id=agent.id, name=user.name)


def _customers(uow: UnitOfWorkFactory, at: datetime) -> dict[str, CustomerId]:
    people = {}
    with uow() as write:
        for number, name in enumerate(("Ann de Wit", "Ben Bakker", "Carla Jansen", "Dirk Visser")):
            customer = write.customers.add(
                Customer(None, name, external_ref=f"REL-{number + 1:07d}"), at=at
            )
            assert customer.id is not None
            people[name.split()[0]] = customer.id
        write.commit()
    return people


def _cases(
    uow: UnitOfWorkFactory, agent: Actor, people: dict[str, CustomerId], now: datetime
) -> dict[str, int]:
    options = IntakeOptions(auto_assign=False)
    opened: dict[str, int] = {}
    plan = (
        ("Ann", "Dubbele afschrijving", "De maandkosten zijn twee keer afgeschreven.", 30 * H),
        ("Ann", "Pas geblokkeerd", "Mijn pas is geblokkeerd na drie foute pincodes.", 5 * H),
        ("Ben", "Hypotheekofferte verlengen", "Kan mijn offerte verlengd worden?", 4 * H),
        ("Carla", "Adreswijziging", "Ik ben verhuisd. Hoe geef ik mijn adres door?", 3 * H),
    )
    for first_name, subject, body, ago in plan:
        inbound = InboundMessage(
            channel=Channel.EMAIL, body=body, customer_id=people[first_name], subject=subject,
            new_case=True,
        )  # fmt: skip
        result = receive_message(uow, actor=SYSTEM, inbound=inbound, now=now - ago, options=options)
        opened[subject] = int(result.case_id)
    blocked = CaseId(opened["Pas geblokkeerd"])
    message_service.add_note(
        uow(), actor=agent, case_id=blocked, body=INTERNAL_NOTE, now=now - 4 * H
    )
    message_service.reply_to_case(uow(), actor=agent, case_id=blocked, body=ANSWER, now=now - 3 * H)
    case_service.change_status(
        uow(), actor=agent, case_id=blocked, status=CaseStatus.PENDING_CUSTOMER, now=now - 3 * H
    )
    double = CaseId(opened["Dubbele afschrijving"])
    message_service.reply_to_case(
        uow(), actor=agent, case_id=double, body="De dubbele afschrijving is teruggeboekt.",
        now=now - 28 * H,
    )  # fmt: skip
    case_service.change_status(
        uow(), actor=agent, case_id=double, status=CaseStatus.RESOLVED, now=now - 28 * H
    )
    return opened
