"""What one process does in the multi-process tests (``test_concurrency_postgres.py``).

Kept free of pytest so that a ``spawn``-started process imports only this and the package.
Every expected outcome of a race (a conflict, a refusal, nothing to take) is counted, never
raised; anything else is counted under its exception's name so the test can show it.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.errors import Conflict, InvalidTransition, PermissionDenied
from klantenservice.domain.routing import RoutingPolicy
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, CustomerId, Role
from klantenservice.services import cases as case_service
from klantenservice.services.inbound import InboundMessage, IntakeOptions, receive_message
from klantenservice.services.ports import SYSTEM, Actor

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EXPECTED = (Conflict, InvalidTransition, PermissionDenied)


class Barrier(Protocol):
    """A barrier shared between processes (a ``multiprocessing.Manager().Barrier`` proxy)."""

    def wait(self, timeout: float | None = None) -> int: ...


@dataclass(frozen=True)
class AssignJob:
    url: str
    worker: int
    attempts: int
    agent_ids: tuple[int, ...]
    case_ids: tuple[int, ...]
    barrier: Barrier


@dataclass(frozen=True)
class IntakeJob:
    url: str
    worker: int
    external_ids: tuple[str, ...]
    customer_ids: tuple[int, ...]  # "mail-7-2" is a mail of customer_ids[7]
    barrier: Barrier


def agent_actor(agent_id: int) -> Actor:
    return Actor(
        kind="user", id=agent_id, roles=frozenset({Role.AGENT}), agent_id=AgentId(agent_id)
    )


SUPERVISOR = Actor(kind="user", id=999, roles=frozenset({Role.SUPERVISOR}), name="supervisor")


def run_assignments(job: AssignJob) -> Counter[str]:
    """Take-next, assign, unassign and auto-routed intake, at random, as fast as possible."""
    engine = make_engine(job.url, pool_size=2)
    uow = SqlUnitOfWorkFactory(engine)
    rng = random.Random(job.worker)
    outcomes: Counter[str] = Counter()
    job.barrier.wait(timeout=60)
    try:
        for attempt in range(job.attempts):
            now = T0 + timedelta(seconds=attempt)
            action = rng.choices(["next", "assign", "unassign", "intake"], [4, 3, 3, 2])[0]
            try:
                outcome = _act(uow, action, job, rng, now, attempt)
            except EXPECTED as error:
                outcome = type(error).__name__
            except Exception as error:
                outcome = f"error:{type(error).__name__}:{str(error).splitlines()[0][:120]}"
            outcomes[f"{action}:{outcome}"] += 1
    finally:
        engine.dispose()
    return outcomes


def _act(
    uow: SqlUnitOfWorkFactory,
    action: str,
    job: AssignJob,
    rng: random.Random,
    now: datetime,
    attempt: int,
) -> str:
    agent = rng.choice(job.agent_ids)
    case_id = CaseId(rng.choice(job.case_ids))
    if action == "next":
        taken = case_service.take_next_case(
            uow(), actor=agent_actor(agent), now=now, policy=RoutingPolicy()
        )
        return "none" if taken is None else "assigned"
    if action == "assign":
        case_service.assign_case(
            uow(), actor=SUPERVISOR, case_id=case_id, agent_id=AgentId(agent), now=now
        )
        return "assigned"
    if action == "unassign":
        case_service.unassign_case(uow(), actor=SUPERVISOR, case_id=case_id, now=now)
        return "unassigned"
    message = InboundMessage(
        channel=Channel.CHAT,
        body="Nieuwe vraag",
        external_id=f"burst-{job.worker}-{attempt}",
        contact=ContactPoint.parse("email", f"w{job.worker}-{attempt}@example.nl"),
    )
    result = receive_message(uow, actor=SYSTEM, inbound=message, now=now, options=IntakeOptions())
    return "routed" if result.assigned_agent_id is not None else "waiting"


def run_intake(job: IntakeJob) -> list[tuple[str, int, bool]]:
    """Receive every external id once, in this worker's order: ``(external_id, message, dup)``."""
    engine = make_engine(job.url, pool_size=2)
    uow = SqlUnitOfWorkFactory(engine)
    order = list(job.external_ids)
    random.Random(job.worker).shuffle(order)
    results: list[tuple[str, int, bool]] = []
    job.barrier.wait(timeout=60)
    try:
        for external_id in order:
            customer = job.customer_ids[int(external_id.split("-")[1])]
            message = InboundMessage(
                channel=Channel.EMAIL,
                body=f"Bericht {external_id}",
                external_id=external_id,
                customer_id=CustomerId(customer),
            )
            result = receive_message(
                uow, actor=SYSTEM, inbound=message, now=T0, options=IntakeOptions()
            )
            results.append((external_id, int(result.message_id), result.duplicate))
    finally:
        engine.dispose()
    return results
