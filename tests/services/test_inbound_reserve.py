"""The batched intake's remembered refusals stay right under emergency reservation.

``BatchState`` and ``RoutingMemo`` refuse a case at once when its routing signature found
nobody before. Reservation makes "nobody" depend on whether the case is an emergency (only an
emergency may take the agent kept free) and on who is still in reserve (an agent who took an
emergency is no longer kept free from normal work).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from tests.services.world import T0, World, build_world

from klantenservice.domain.agents import Agent
from klantenservice.domain.customers import ContactPoint
from klantenservice.domain.routing import RoutingPolicy
from klantenservice.domain.vocabulary import AgentId, Channel, Presence, Priority
from klantenservice.services import cases, directory
from klantenservice.services.inbound import (
    InboundMessage,
    IntakeOptions,
    IntakeRequest,
    IntakeResult,
    RoutingMemo,
    receive_batch,
)
from klantenservice.services.ports import SYSTEM

KEEP_ONE = IntakeOptions(routing=RoutingPolicy(reserved_emergency_agents=1))


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    built = build_world(database_url)
    yield built
    built.close()


def fraud_agent(world: World, name: str, presence: Presence = Presence.AVAILABLE) -> AgentId:
    agent = Agent(
        None,
        None,
        name,
        languages=frozenset({"nl"}),
        skills=frozenset({"fraud"}),
        queue_ids=frozenset({world.queue_id}),
        capacity={Channel.CHAT: 3},
        presence=presence,
    )
    stored = directory.create_agent(world.uow(), actor=SYSTEM, agent=agent, now=T0)
    assert stored.id is not None
    world.agents[name] = stored.id
    return stored.id


def chat(n: int, priority: Priority | None = None) -> IntakeRequest:
    """A chat needing the fraud skill: an emergency or not, it asks for the same agents."""
    inbound = InboundMessage(
        channel=Channel.CHAT,
        body=f"bericht {n}",
        external_id=f"m-{n}",
        contact=ContactPoint.parse("email", f"klant{n}@example.nl"),
        priority=priority,
        required_skills=frozenset({"fraud"}),
    )
    return IntakeRequest(inbound, actor=SYSTEM)


def results(outcomes: list[IntakeResult | Exception]) -> list[IntakeResult]:
    assert all(isinstance(o, IntakeResult) for o in outcomes), outcomes
    return [o for o in outcomes if isinstance(o, IntakeResult)]


def test_within_a_batch_an_emergency_is_not_refused_by_a_normal_cases_refusal(
    world: World,
) -> None:
    anna = fraud_agent(world, "Anna")
    normal, urgent, later = results(
        receive_batch(
            world.uow,
            [chat(1), chat(2, Priority.EMERGENCY), chat(3)],
            now=T0,
            options=KEEP_ONE,
        )
    )
    assert normal.assigned_agent_id is None
    assert "kept free for the emergency lane (1 of 1 fraud agent" in normal.routing[0]
    assert urgent.assigned_agent_id == anna  # its own signature: the refusal does not apply
    # Anna left the reserve with the emergency: the remembered refusal is forgotten
    assert later.assigned_agent_id == anna


def test_across_batches_the_memo_does_not_refuse_an_emergency(world: World) -> None:
    anna = fraud_agent(world, "Anna")
    memo = RoutingMemo()

    def one(n: int, priority: Priority | None = None) -> IntakeResult:
        (outcome,) = results(
            receive_batch(
                world.uow,
                [chat(n, priority)],
                now=T0 + timedelta(minutes=n),
                options=KEEP_ONE,
                memo=memo,
            )
        )
        return outcome

    assert one(1).assigned_agent_id is None  # kept free; the memo keeps the refusal
    assert any(memo.refused.values())
    assert one(2).assigned_agent_id is None
    assert one(3, Priority.EMERGENCY).assigned_agent_id == anna


@pytest.mark.parametrize("bram", [Presence.AVAILABLE, Presence.OFFLINE])
def test_next_case_counts_the_reserve_over_the_whole_floor(world: World, bram: Presence) -> None:
    fraud_agent(world, "Anna")
    fraud_agent(world, "Bram", presence=bram)
    manual = IntakeOptions(auto_assign=False)
    (waiting,) = results(receive_batch(world.uow, [chat(1)], now=T0, options=manual))
    taken = cases.take_next_case(
        world.uow(), actor=world.agent_actor("Anna"), now=T0, policy=KEEP_ONE.routing
    )
    if bram is Presence.OFFLINE:  # Anna is the whole reserve: kept free
        assert taken is None
    else:  # Bram stays free for emergencies
        assert taken is not None and taken[0].id == waiting.case_id
        assert "2 fraud agents in reserve in queue" in taken[1][-1]
