"""Build the demo database: a Dutch bank's customer service with two months of history.

``build_demo_database`` creates a fresh SQLite file at the newest schema and fills it through
the services, never with bulk inserts, so everything in it is consistent with what the
product itself writes (the audit chain verifies, clocks explain themselves):

1. the standard configuration (``demo/standard.py``), two teams and an investments queue;
2. staff: an administrator, a supervisor, a compliance officer and ten agents
   (``demo/people.py``), with the demo passwords;
3. 200 customers (Dutch, Belgian and British; retail, private and business; some vulnerable);
4. the history (``demo/timeline.py``) and the PRODUCT.md scenarios (``demo/scenarios.py``),
   merged and executed in time order (``demo/runner.py``);
5. the agents' presence at the end, and an integration API token.

The same ``seed`` and ``now`` give the same database. ``scale`` shrinks the customer and
case counts (tests use a small demo); the teams, agents and scenarios are always there.
"""

from __future__ import annotations

import random
import time as _time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

from argon2 import PasswordHasher
from sqlalchemy import Column, Engine, Table, func, select

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db import tables
from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.demo.people import (
    ADMIN,
    AGENT_PASSWORD,
    AGENTS,
    COMPLIANCE,
    FRAUD_TEAM,
    INVESTMENTS_QUEUE,
    RETAIL_TEAM,
    SUPERVISOR,
    Login,
    PeopleFactory,
    Person,
)
from klantenservice.demo.plan import CasePlan, Planner
from klantenservice.demo.reply_templates import seed_reply_templates
from klantenservice.demo.runner import Cast, Runner
from klantenservice.demo.scenarios import SCENARIOS, build_scenarios
from klantenservice.demo.standard import (
    EMERGENCY_QUEUE,
    GENERAL_QUEUE,
    OFFICE,
    seed_standard_configuration,
)
from klantenservice.demo.timeline import plan_history
from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.calendars import DEFAULT_TIMEZONE, BusinessCalendar
from klantenservice.domain.cases import format_reference
from klantenservice.domain.customers import Customer
from klantenservice.domain.vocabulary import (
    AgentId,
    CustomerId,
    Presence,
    QueueId,
    Role,
    TeamId,
    UserId,
)
from klantenservice.services import auth, customers, directory
from klantenservice.services.audit import verify_audit_chain
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.ports import SYSTEM, Actor, Credentials, UnitOfWorkFactory

DEFAULT_SEED = 2026
CUSTOMERS = 200
CASES = 1080  # planned; a few fall after ``now`` and are dropped, 1,000+ remain
HISTORY = timedelta(days=60)
QUEUE_WINDOW = timedelta(minutes=45)  # the last contacts wait in the queue, unassigned
TOKEN_NAME = "demo-integration"  # noqa: S105 - the token's label, not the token


@dataclass(frozen=True, slots=True)
class DemoResult:
    url: str
    logins: tuple[Login, ...]
    api_token: str
    scenarios: Mapping[str, str]  # scenario name -> case reference
    counts: Mapping[str, int]  # teams, agents, customers, cases, messages, audit records
    channels: Mapping[str, int]  # cases opened per channel
    message_channels: Mapping[str, int]
    statuses: Mapping[str, int]
    languages: Mapping[str, int]
    audit: str  # the chain verdict's summary
    audit_ok: bool
    seconds: float


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_demo_database(
    path: Path,
    *,
    now: datetime,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    hasher: PasswordHasher | None = None,
) -> DemoResult:
    """(Re)create the SQLite database at ``path`` and fill it; ``now`` is tz-aware UTC.

    ``hasher``: the argon2 parameters of the staff passwords (tests pass a fast one).
    """
    if not 0 < scale <= 1:
        raise ValueError("scale is a share of the full demo, between 0 and 1")
    started = _time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_database(path)
    url = f"sqlite:///{path.resolve()}"
    upgrade_to_head(url)
    engine = make_engine(url, sqlite_synchronous="OFF")  # a throw-away database: speed first
    try:
        # cast: mypy matches the UnitOfWork protocol's repository attributes invariantly
        uow_factory = cast(UnitOfWorkFactory, SqlUnitOfWorkFactory(engine))
        hashing = _HashOnce(hasher)
        built = _Builder(uow_factory, now, random.Random(seed), hashing)
        token, scenario_refs = built.build(scale)
        verdict = verify_audit_chain(uow_factory(read_only=True), actor=SYSTEM)
        return DemoResult(
            url=url,
            logins=(ADMIN, SUPERVISOR, COMPLIANCE, _agent_login()),
            api_token=token,
            scenarios=scenario_refs,
            **_volumes(engine),
            audit=verdict.summary(),
            audit_ok=verdict.ok,
            seconds=_time.perf_counter() - started,
        )
    finally:
        engine.dispose()


def _agent_login() -> Login:
    first = AGENTS[0]
    return Login(first.email, first.name, frozenset({Role.AGENT}), AGENT_PASSWORD)


class _HashOnce(Argon2Credentials):
    """Hashes each demo password once: the ten agents share one published password.

    Argon2 costs about half a second a hash on purpose; the demo has four passwords.
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        super().__init__(hasher)
        self._hashes: dict[str, str] = {}

    def hash_password(self, password: str, *, personal: tuple[str, ...] = ()) -> str:
        if password not in self._hashes:
            self._hashes[password] = super().hash_password(password, personal=personal)
        return self._hashes[password]


class _Builder:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        now: datetime,
        rng: random.Random,
        credentials: Credentials,
    ) -> None:
        self.uow_factory = uow_factory
        self.now = now
        self.rng = rng
        self.credentials = credentials
        self.start = now - HISTORY
        self.teams: dict[str, TeamId | None] = {}

    def build(self, scale: float) -> tuple[str, dict[str, str]]:
        installed = self.start - timedelta(days=30)
        seed_standard_configuration(
            self.uow_factory, now=installed, timezone=DEFAULT_TIMEZONE, holiday_country="NL"
        )
        queues = self._organisation(installed + timedelta(hours=1))
        admin, staff = self._staff(queues, installed + timedelta(hours=2))
        seed_reply_templates(self.uow_factory, actor=admin, now=installed + timedelta(hours=3))
        factory = PeopleFactory(self.rng)
        planner = Planner(self.rng, self.now, self._calendars())
        scenario_set = build_scenarios(planner, factory)
        generated = [factory.random_person() for _ in range(round(CUSTOMERS * scale) - 5)]
        people = [*scenario_set.people, *generated]
        ids = self._register(people, installed + timedelta(days=1))
        plans = [
            *scenario_set.plans,
            *plan_history(planner, generated, total_cases=round(CASES * scale), start=self.start),
        ]
        runner = self._run(plans, staff, ids)
        self._presence(staff)
        token = self._token(admin)
        refs = {
            name: format_reference(runner.state[key].case_id)
            for name, key in scenario_set.cases.items()
        }
        return token, refs

    def _organisation(self, at: datetime) -> dict[str, QueueId]:
        teams = {
            name: directory.create_team(self.uow_factory(), actor=SYSTEM, name=name, now=at).id
            for name in (RETAIL_TEAM, FRAUD_TEAM)
        }
        investments = Queue(
            None, INVESTMENTS_QUEUE, teams[FRAUD_TEAM], OFFICE, frozenset({"investments"})
        )
        directory.create_queue(self.uow_factory(), actor=SYSTEM, queue=investments, now=at)
        with self.uow_factory(read_only=True) as uow:
            queues = {q.name: q.id for q in uow.directory.queues() if q.id is not None}
        self.teams = teams
        return queues

    def _staff(self, queues: Mapping[str, QueueId], at: datetime) -> tuple[Actor, Cast]:
        users = {}
        for login in (ADMIN, SUPERVISOR, COMPLIANCE):
            users[login.email] = self._user(
                login.email, login.name, login.roles, login.password, at, None
            )
        retail = frozenset({queues[GENERAL_QUEUE]})
        specialist = retail | {queues[EMERGENCY_QUEUE], queues[INVESTMENTS_QUEUE]}
        for spec in AGENTS:
            team = self.teams[spec.team]
            agent = Agent(
                None,
                None,
                spec.name,
                team,
                spec.languages,
                spec.skills,
                specialist if spec.team == FRAUD_TEAM else retail,
                dict(spec.capacity),
                presence=Presence.AVAILABLE,
            )
            users[spec.email] = self._user(
                spec.email, spec.name, frozenset({Role.AGENT}), AGENT_PASSWORD, at, agent
            )
        with self.uow_factory(read_only=True) as uow:
            agent_ids = {a.user_id: a.id for a in uow.agents.list()}
        agents = {}
        for spec in AGENTS:
            user = users[spec.email]
            agents[spec.login] = replace(user, agent_id=agent_ids[UserId(user.id or 0)])
        return users[ADMIN.email], Cast(users[SUPERVISOR.email], agents)

    def _user(
        self,
        email: str,
        name: str,
        roles: frozenset[Role],
        password: str,
        at: datetime,
        agent: Agent | None,
    ) -> Actor:
        user = auth.create_staff_user(
            self.uow_factory(),
            actor=SYSTEM,
            email=email,
            name=name,
            password=password,
            roles=roles,
            now=at,
            credentials=self.credentials,
            agent=agent,
        )
        return Actor(kind="user", id=user.id, roles=roles, name=name)

    def _calendars(self) -> dict[str, BusinessCalendar]:
        found: dict[str, BusinessCalendar] = {}
        with self.uow_factory(read_only=True) as uow:
            for queue in uow.directory.queues():
                calendar = uow.directory.calendar(queue.calendar)
                if calendar is not None:
                    found[queue.name] = calendar
        return found

    def _register(self, people: list[Person], first: datetime) -> dict[str, CustomerId]:
        ids: dict[str, CustomerId] = {}
        moments = sorted(first + timedelta(days=self.rng.uniform(0, 25)) for _ in people)
        for person, at in zip(people, moments, strict=True):
            customer = Customer(
                id=None,
                name=person.name,
                language=person.language,
                segment=person.segment,
                vulnerable=person.vulnerable,
                verification=person.verification,
                contact_points=person.contact_points(),
                external_ref=person.external_ref,
            )
            stored = customers.register_customer(
                self.uow_factory(), actor=SYSTEM, customer=customer, now=at
            )
            assert stored.id is not None
            ids[person.key] = stored.id
        return ids

    def _run(self, plans: list[CasePlan], staff: Cast, ids: Mapping[str, CustomerId]) -> Runner:
        steps = sorted(
            (step for plan in plans for step in plan.steps if step.at < self.now),
            key=lambda s: s.at,
        )
        runner = Runner(
            self.uow_factory,
            staff,
            ids,
            {p.key: p for p in plans},
            IntakeOptions(reference_bytes=self.rng.randbytes),  # the same seed, the same demo
            office=self._calendars()[GENERAL_QUEUE],
            queue_from=self.now - QUEUE_WINDOW,
        )
        runner.run(steps)
        return runner

    def _presence(self, staff: Cast) -> None:
        for spec in AGENTS:
            agent_id = staff.agents[spec.login].agent_id
            assert agent_id is not None
            directory.set_presence(
                self.uow_factory(),
                actor=SYSTEM,
                agent_id=AgentId(agent_id),
                presence=spec.presence,
                now=self.now,
            )

    def _token(self, admin: Actor) -> str:
        _, token = auth.create_api_token(
            self.uow_factory(),
            actor=admin,
            name=TOKEN_NAME,
            roles=frozenset({Role.INTEGRATION}),
            now=self.now,
            credentials=self.credentials,
        )
        return token


def _volumes(engine: Engine) -> dict[str, Mapping[str, int]]:
    t = tables
    with engine.connect() as connection:

        def count(table: Table) -> int:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

        def group(column: Column[str]) -> dict[str, int]:
            rows = connection.execute(select(column, func.count()).group_by(column)).all()
            return {str(r[0]): int(r[1]) for r in rows}

        counts = {
            "teams": count(t.teams),
            "agents": count(t.agents),
            "users": count(t.users),
            "customers": count(t.customers),
            "cases": count(t.cases),
            "messages": count(t.messages),
            "audit_records": count(t.audit_log),
            "outbox_events": count(t.outbox),
        }
        return {
            "counts": counts,
            "channels": group(t.cases.c.channel),
            "message_channels": group(t.messages.c.channel),
            "statuses": group(t.cases.c.status),
            "languages": group(t.cases.c.language),
        }


__all__ = ["DEFAULT_SEED", "SCENARIOS", "DemoResult", "build_demo_database", "remove_database"]
