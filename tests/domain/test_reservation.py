"""Reserved emergency capacity: idle fraud agents kept free for the emergency lane."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.domain.routing_support import CHAT, EMAIL, NOW, POLICY, agent, chosen, item, refused
from tests.domain.test_routing_properties import AGENTS, WORK

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.reservation import in_reserve, kept_free
from klantenservice.domain.routing import (
    AgentSnapshot,
    Assignment,
    RoutingPolicy,
    WorkItem,
    best_agent_for,
    next_case_for,
    route,
)
from klantenservice.domain.routing import routing_signature as signature
from klantenservice.domain.vocabulary import AgentId, Presence, Priority, QueueId

KEEP_ONE = replace(POLICY, reserved_emergency_agents=1)
FRAUD = frozenset({"fraud"})
EMERGENCY = Priority.EMERGENCY


def fraud_agent(agent_id: int, **changes: Any) -> AgentSnapshot:
    return agent(agent_id, skills=FRAUD, **changes)


def emergency(case_id: int, **changes: Any) -> WorkItem:
    return item(case_id, priority=EMERGENCY, required_skills=FRAUD, **changes)


# --- the policy -------------------------------------------------------------------------------


def test_a_negative_reserve_or_an_empty_emergency_skill_is_refused() -> None:
    with pytest.raises(ValidationError, match="reserved_emergency_agents cannot be negative"):
        RoutingPolicy(reserved_emergency_agents=-1)
    with pytest.raises(ValidationError, match="emergency_skill cannot be empty"):
        RoutingPolicy(emergency_skill=" ")


def test_in_reserve_means_available_with_the_skill_and_no_open_work_anywhere() -> None:
    assert in_reserve(fraud_agent(1), "fraud")
    assert not in_reserve(fraud_agent(1, load={EMAIL: 1}), "fraud")
    assert in_reserve(fraud_agent(1, load={EMAIL: 0}), "fraud")  # a zero is no open work
    assert not in_reserve(fraud_agent(1, presence=Presence.AWAY), "fraud")
    assert not in_reserve(agent(1), "fraud")


# --- push routing -----------------------------------------------------------------------------


def test_the_last_idle_fraud_agent_is_kept_free_and_the_refusal_says_so() -> None:
    outcome = refused(best_agent_for(item(1), [fraud_agent(1)], KEEP_ONE, NOW))
    assert outcome.reason == (
        "no available agent in queue 1 who speaks nl has room on chat: 1 kept free for the "
        "emergency lane (1 of 1 fraud agent in reserve in queue 1)"
    )
    without_reserve = chosen(best_agent_for(item(1), [fraud_agent(1)], POLICY, NOW))
    assert not any("emergency lane" in reason for reason in without_reserve.reasons)


def test_an_emergency_may_take_an_agent_in_reserve_and_the_reasons_say_so() -> None:
    outcome = chosen(best_agent_for(emergency(1), [fraud_agent(1)], KEEP_ONE, NOW))
    assert outcome.agent_id == 1
    assert outcome.reasons[-1] == (
        "emergency: may take an agent kept free for the emergency lane "
        "(1 of 1 fraud agent in reserve in queue 1)"
    )


def test_normal_work_goes_to_someone_else_and_names_the_agent_kept_free() -> None:
    # the fraud agent ranks first (lowest id, both idle) but is the whole reserve
    floor = [fraud_agent(1), agent(2, load={CHAT: 1})]
    outcome = chosen(best_agent_for(item(1), floor, KEEP_ONE, NOW))
    assert outcome.agent_id == 2
    assert outcome.reasons[-1] == (
        "1 eligible agent kept free for the emergency lane (1 of 1 fraud agent in reserve in "
        "queue 1)"
    )


def test_a_fraud_agent_with_open_work_is_not_in_reserve_and_takes_normal_work() -> None:
    busy = fraud_agent(1, load={EMAIL: 1})
    outcome = chosen(best_agent_for(item(1), [busy], KEEP_ONE, NOW))
    assert not any("emergency lane" in reason for reason in outcome.reasons)


def test_above_the_reserve_one_agent_in_reserve_may_take_normal_work_and_is_told_why() -> None:
    decision = route([item(1), item(2)], [fraud_agent(1), fraud_agent(2)], KEEP_ONE, NOW)
    first, second = decision.assignments
    assert (first.agent_id, second.agent_id) == (1, 1)  # agent 2 stays free for emergencies
    assert first.reasons[-1] == (
        "in reserve for the emergency lane, but 2 fraud agents in reserve in queue 1: "
        "1 stay free (policy keeps 1)"
    )
    assert "1 eligible agent kept free for the emergency lane" in second.reasons[-1]


def test_route_serves_emergencies_from_the_reserve_before_normal_work() -> None:
    work = [item(1, waited=timedelta(minutes=30)), emergency(2), item(3)]
    decision = route(
        work, [fraud_agent(1), fraud_agent(2, languages=frozenset({"en"}))], KEEP_ONE, NOW
    )
    by_case = {a.case_id: a.agent_id for a in decision.assignments}
    # the emergency takes agent 1 out of the reserve; agent 2 (English only) cannot take Dutch
    # work anyway, and agent 1, no longer in reserve, takes the normal chats beside it
    assert by_case == {2: 1, 1: 1, 3: 1}


def test_the_reserve_is_counted_among_the_agents_of_the_items_queue() -> None:
    both = fraud_agent(1, queue_ids=frozenset({QueueId(1), QueueId(2)}))
    only_two = fraud_agent(2, queue_ids=frozenset({QueueId(2)}))
    floor = [both, only_two]
    in_one = refused(best_agent_for(item(1), floor, KEEP_ONE, NOW))
    assert "(1 of 1 fraud agent in reserve in queue 1)" in in_one.reason
    in_two = chosen(best_agent_for(item(2, queue_id=QueueId(2)), floor, KEEP_ONE, NOW))
    assert "2 fraud agents in reserve in queue 2: 1 stay free" in in_two.reasons[-1]


def test_route_forgets_a_refusal_once_an_agent_left_the_reserve() -> None:
    """A refusal is remembered per signature; leaving the reserve must make it be re-checked."""
    both = fraud_agent(1, queue_ids=frozenset({QueueId(1), QueueId(2)}))
    only_two = fraud_agent(2, queue_ids=frozenset({QueueId(2)}))
    work = [
        item(1, waited=timedelta(minutes=5)),  # queue 1: agent 1 is its whole reserve
        item(2, waited=timedelta(minutes=3), queue_id=QueueId(2)),  # agent 1 takes it
        item(3, waited=timedelta(minutes=1)),  # same signature as case 1; agent 1 is free now
    ]
    decision = route(work, [both, only_two], KEEP_ONE, NOW)
    assert {a.case_id: a.agent_id for a in decision.assignments} == {2: 1, 3: 1}
    (unrouted,) = decision.unassigned
    assert unrouted.case_id == 1 and "kept free for the emergency lane" in unrouted.reason


def test_an_emergency_and_a_normal_item_never_share_a_routing_signature() -> None:
    normal, urgent = item(1, required_skills=FRAUD), emergency(2)
    assert signature(normal, KEEP_ONE, NOW) != signature(urgent, KEEP_ONE, NOW)
    low, high = item(3, priority=Priority.LOW), item(4, priority=Priority.URGENT)
    assert signature(low, KEEP_ONE, NOW) == signature(high, KEEP_ONE, NOW)


# --- next case --------------------------------------------------------------------------------


def test_an_agent_in_reserve_pressing_next_gets_the_emergency_waiting() -> None:
    work = [item(1, waited=timedelta(hours=1)), emergency(2)]
    picked = next_case_for(fraud_agent(1), work, KEEP_ONE, NOW)
    assert picked is not None and picked.case_id == 2
    assert "emergency: may take an agent kept free" in picked.reasons[-1]


def test_an_agent_in_reserve_gets_no_normal_work_and_kept_free_says_why() -> None:
    anna = replace(fraud_agent(1), name="Anna")
    assert next_case_for(anna, [item(1)], KEEP_ONE, NOW) is None
    assert kept_free(anna, KEEP_ONE.reserve([anna])) == (
        "Anna is kept free for the emergency lane (1 of 1 fraud agent in reserve in queue 1): "
        "only emergencies are offered"
    )
    assert next_case_for(anna, [item(1)], POLICY, NOW) is not None
    assert kept_free(anna, POLICY.reserve([anna])) is None


def test_with_another_agent_in_reserve_on_the_floor_next_gives_normal_work() -> None:
    floor = [fraud_agent(1), fraud_agent(2), fraud_agent(3, presence=Presence.OFFLINE)]
    picked = next_case_for(floor[0], [item(1)], KEEP_ONE, NOW, floor=floor)
    assert picked is not None and picked.case_id == 1
    assert "2 fraud agents in reserve in queue 1: 1 stay free" in picked.reasons[-1]
    alone = next_case_for(floor[0], [item(1)], KEEP_ONE, NOW, floor=floor[2:])
    assert alone is None  # the offline agent is not in reserve


# --- properties -------------------------------------------------------------------------------


def reserve_members(agents: Sequence[AgentSnapshot]) -> set[AgentId]:
    return {a.agent_id for a in agents if in_reserve(a, "fraud")}


@settings(max_examples=200, deadline=None)
@given(work=WORK, agents=AGENTS, keep=st.integers(0, 3))
def test_normal_work_never_takes_the_reserve_below_what_the_policy_keeps(
    work: list[WorkItem], agents: list[AgentSnapshot], keep: int
) -> None:
    """Reserve before minus emergencies, then normal work never brings it below min(N, that)."""
    policy = replace(POLICY, reserved_emergency_agents=keep)
    decision = route(work, agents, policy, NOW)
    by_case = {w.case_id: w for w in work}
    members, first_work = reserve_members(agents), dict[AgentId, Priority]()
    for assignment in decision.assignments:  # in serving order: emergencies come first
        first_work.setdefault(assignment.agent_id, by_case[assignment.case_id].priority)
    took_emergency = {a for a, p in first_work.items() if a in members and p >= EMERGENCY}
    took_normal = {a for a, p in first_work.items() if a in members and p < EMERGENCY}
    left_for_normal = len(members) - len(took_emergency)
    assert left_for_normal - len(took_normal) >= min(keep, left_for_normal)
    without = route(work, agents, replace(policy, reserved_emergency_agents=0), NOW)
    emergencies = {w.case_id for w in work if w.priority >= EMERGENCY}
    # reservation never costs an emergency its agent
    assert {a.case_id for a in without.assignments} & emergencies <= {
        a.case_id for a in decision.assignments
    }


@settings(max_examples=100, deadline=None)
@given(work=WORK, agents=AGENTS, keep=st.integers(1, 3))
def test_single_decisions_never_give_normal_work_to_a_reserve_that_is_not_above_the_policy(
    work: list[WorkItem], agents: list[AgentSnapshot], keep: int
) -> None:
    policy = replace(POLICY, reserved_emergency_agents=keep)
    members = reserve_members(agents)
    for w in work:
        outcome = best_agent_for(w, agents, policy, NOW)
        if isinstance(outcome, Assignment) and outcome.agent_id in members:
            in_queue = sum(1 for a in agents if a.agent_id in members and w.queue_id in a.queue_ids)
            assert w.priority >= EMERGENCY or in_queue > keep
    for a in agents:
        picked = next_case_for(a, work, policy, NOW, floor=agents)
        if picked is not None and a.agent_id in members:
            w = next(w for w in work if w.case_id == picked.case_id)
            in_queue = sum(1 for b in agents if b.agent_id in members and w.queue_id in b.queue_ids)
            assert w.priority >= EMERGENCY or in_queue > keep
