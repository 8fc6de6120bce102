"""A small, fully configured contact centre on a real database, for service tests.

Built only through the services (``services.directory`` as ``SYSTEM``), so the tests exercise
the same paths as production. Time is fixed: ``T0`` is Monday 23 November 2026, 10:00 in
Amsterdam (09:00 UTC), inside the office calendar's hours (Mon-Fri 08:00-20:00, NL holidays).
The default promise policy answers within 4 working hours (warning after 80 %), answers again
within 8 and resolves within 72.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text

from klantenservice.adapters.db.engine import READ_ONLY, make_engine
from klantenservice.adapters.db.tables import audit_log, outbox
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.domain.agents import Agent, Queue
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import AgentId, Channel, Presence, QueueId, Role
from klantenservice.services import directory, inbound
from klantenservice.services.inbound import InboundMessage, IntakeOptions, IntakeResult
from klantenservice.services.ports import SYSTEM, Actor

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OFFICE = {"weekly_hours": [[["08:00", "20:00"]]] * 5 + [[], []], "holiday_country": "NL"}
DEFAULT_POLICY = PromisePolicy(
    name="default",
    calendar="office",
    first_response=timedelta(hours=4),
    next_response=timedelta(hours=8),
    resolution=timedelta(hours=72),
)


class FixedClock:
    """A clock that stands still until told to move."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, span: timedelta) -> datetime:
        self.at += span
        return self.at


@dataclass
class World:
    url: str
    engine: Engine
    uow: SqlUnitOfWorkFactory
    queue_id: QueueId
    agents: dict[str, AgentId] = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def agent_actor(self, name: str, *roles: Role) -> Actor:
        agent_id = self.agents[name]
        return Actor(
            kind="user",
            id=int(agent_id),
            roles=frozenset(roles or (Role.AGENT,)),
            agent_id=agent_id,
            name=name,
        )

    def add_agent(
        self,
        name: str,
        *,
        capacity: Mapping[Channel, int] | None = None,
        languages: Iterable[str] = ("nl", "en"),
        presence: Presence = Presence.AVAILABLE,
        at: datetime = T0,
    ) -> AgentId:
        agent = Agent(
            None,
            None,
            name,
            languages=frozenset(languages),
            queue_ids=frozenset({self.queue_id}),
            capacity=dict(capacity or {Channel.CHAT: 3, Channel.EMAIL: 5}),
            presence=presence,
        )
        stored = directory.create_agent(self.uow(), actor=SYSTEM, agent=agent, now=at)
        assert stored.id is not None
        self.agents[name] = stored.id
        return stored.id

    def receive(
        self,
        body: str = "Mijn pas is geblokkeerd",
        *,
        at: datetime = T0,
        channel: Channel = Channel.EMAIL,
        external_id: str | None = None,
        email: str = "jan@example.nl",
        options: IntakeOptions | None = None,
        **fields: Any,
    ) -> IntakeResult:
        message = InboundMessage(
            channel=channel,
            body=body,
            external_id=external_id,
            contact=ContactPoint.parse("email", email),
            customer_name="Jan",
            **fields,
        )
        return inbound.receive_message(
            self.uow, actor=SYSTEM, inbound=message, now=at, options=options or IntakeOptions()
        )

    def read(self) -> Connection:
        """A connection for looking at the store; on SQLite it does not take the write lock."""
        return self.engine.connect().execution_options(**{READ_ONLY: True})

    def count(self, table: Any, *where: Any) -> int:
        with self.read() as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(table).where(*where)
                ).scalar_one()
            )

    def audit_actions(self) -> list[str]:
        with self.read() as connection:
            rows = connection.execute(select(audit_log.c.action).order_by(audit_log.c.seq))
            return [r.action for r in rows]

    def outbox_topics(self) -> list[str]:
        with self.read() as connection:
            rows = connection.execute(select(outbox.c.topic).order_by(outbox.c.id))
            return [r.topic for r in rows]

    def close(self) -> None:
        self.engine.dispose()


def build_world(url: str, *, policies: Iterable[PromisePolicy] = (DEFAULT_POLICY,)) -> World:
    """Calendar ``office``, queue ``general`` and the given promise policies; no agents yet."""
    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine)
    directory.put_calendar(uow(), actor=SYSTEM, name="office", definition=OFFICE, now=T0)
    queue = directory.create_queue(
        uow(), actor=SYSTEM, queue=Queue(None, "general", calendar="office"), now=T0
    )
    for policy in policies:
        directory.add_promise_policy(uow(), actor=SYSTEM, policy=policy, now=T0)
    assert queue.id is not None
    return World(url=url, engine=engine, uow=uow, queue_id=queue.id)


def wait_until_blocked(engine: Engine, timeout: float = 10.0) -> None:
    """Return once some PostgreSQL session waits for a lock (another thread reached its lock)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            if waiting.scalar_one():
                return
            watcher.rollback()
            time.sleep(0.01)
    raise AssertionError(f"no session waited for a lock within {timeout} s")
