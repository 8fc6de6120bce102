"""Routing: eligibility, serving order, relaxation, capacity, exclusivity, fairness, reasons."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from tests.domain.routing_support import (
    CHAT,
    EMAIL,
    NOW,
    PHONE,
    POLICY,
    agent,
    chosen,
    item,
    refused,
)

from klantenservice.domain import routing
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.routing import (
    Unrouted,
    best_agent_for,
    next_case_for,
    route,
)
from klantenservice.domain.vocabulary import (
    Presence,
    Priority,
    QueueId,
)


def skills(*names: str) -> frozenset[str]:
    return frozenset(names)


def assigned(decision: routing.RoutingDecision) -> dict[int, int]:
    return {a.case_id: a.agent_id for a in decision.assignments}


# --- eligibility ------------------------------------------------------------------------------


def test_an_agent_who_does_not_speak_the_language_is_never_chosen() -> None:
    english, dutch = agent(1, languages=skills("en")), agent(2, load={CHAT: 2})
    assert chosen(best_agent_for(item(1), [english, dutch], POLICY, NOW)).agent_id == 2


def test_a_language_mismatch_is_named_in_the_reason() -> None:
    english = agent(1, languages=skills("en"))
    outcome = refused(best_agent_for(item(1, language="nl"), [english], POLICY, NOW))
    assert outcome.reason == "no available agent in queue 1 speaks nl"


def test_language_is_never_relaxed_by_default_however_long_the_wait() -> None:
    english = agent(1, languages=skills("en"))
    outcome = best_agent_for(item(1, waited=timedelta(hours=8)), [english], POLICY, NOW)
    assert isinstance(outcome, Unrouted)


def test_language_is_relaxed_after_the_policy_wait_and_speakers_are_still_preferred() -> None:
    policy = replace(POLICY, language_relax_after=timedelta(minutes=20))
    english, dutch = agent(1, languages=skills("en")), agent(2, languages=skills("nl"))
    busy_dutch = replace(dutch, load={CHAT: 2})
    long_wait = item(1, waited=timedelta(minutes=25))
    assert chosen(best_agent_for(long_wait, [english, busy_dutch], policy, NOW)).agent_id == 2
    only_english = chosen(best_agent_for(long_wait, [english], policy, NOW))
    assert "language nl relaxed after waiting 25m (policy: 20m); does not speak it" in (
        only_english.reasons
    )
    assert isinstance(best_agent_for(item(2), [english], policy, NOW), Unrouted)


def test_a_certification_is_never_relaxed_however_long_the_wait() -> None:
    fraud_case = item(1, required_skills=skills("fraud", "cards"), waited=timedelta(hours=3))
    generalist = agent(1, skills=skills("cards"))
    outcome = refused(best_agent_for(fraud_case, [generalist], POLICY, NOW))
    assert outcome.reason == "no available agent in queue 1 speaks nl with skill fraud"
    certified = agent(2, skills=skills("fraud"))
    assert chosen(best_agent_for(fraud_case, [generalist, certified], POLICY, NOW)).agent_id == 2


def test_a_product_skill_is_required_before_the_relaxation_wait() -> None:
    mortgage_case = item(1, required_skills=skills("mortgage"), waited=timedelta(minutes=9))
    outcome = refused(best_agent_for(mortgage_case, [agent(1)], POLICY, NOW))
    assert outcome.reason == (
        "no available agent in queue 1 speaks nl with skill mortgage"
        " (skill mortgage optional after waiting 10m)"
    )


def test_a_product_skill_becomes_a_preference_after_the_relaxation_wait() -> None:
    mortgage_case = item(1, required_skills=skills("mortgage"), waited=timedelta(minutes=12))
    generalist = agent(1)
    specialist = agent(2, skills=skills("mortgage"), load={CHAT: 2})
    only_generalist = chosen(best_agent_for(mortgage_case, [generalist], POLICY, NOW))
    assert "skill 'mortgage' relaxed after waiting 12m (policy: 10m); does not hold it" in (
        only_generalist.reasons
    )
    both = chosen(best_agent_for(mortgage_case, [generalist, specialist], POLICY, NOW))
    assert both.agent_id == 2
    assert (
        both.reasons[-1] == "holds 1 relaxed skill, most among 2 eligible agents; load 2/3 on chat"
    )


def test_away_and_offline_agents_are_never_chosen() -> None:
    away = agent(1, presence=Presence.AWAY)
    offline = agent(2, presence=Presence.OFFLINE)
    decision = route([item(1), item(2)], [away, offline], POLICY, NOW)
    assert decision.assignments == ()
    assert {u.reason for u in decision.unassigned} == {"no agent is available"}
    assert next_case_for(away, [item(1)], POLICY, NOW) is None


def test_an_agent_who_does_not_work_the_queue_is_never_chosen() -> None:
    other_queue = agent(1, queue_ids=frozenset({QueueId(2)}))
    outcome = refused(best_agent_for(item(1), [other_queue], POLICY, NOW))
    assert outcome.reason == "no available agent works queue 1"


def test_an_agent_who_does_not_work_the_channel_is_never_chosen() -> None:
    chat_only = agent(1, capacity={CHAT: 3})
    outcome = refused(best_agent_for(item(1, channel=EMAIL), [chat_only], POLICY, NOW))
    assert outcome.reason == "no available agent in queue 1 who speaks nl takes email"


# --- serving order ----------------------------------------------------------------------------


def test_higher_priority_is_served_before_a_longer_wait() -> None:
    old_normal = item(1, waited=timedelta(minutes=30))
    new_urgent = item(2, priority=Priority.URGENT, waited=timedelta(seconds=5))
    one_seat = agent(1, capacity={CHAT: 1})
    decision = route([old_normal, new_urgent], [one_seat], POLICY, NOW)
    assert assigned(decision) == {2: 1}
    assert (
        decision.assignments[0].reasons[0]
        == "served before 1 other case: priority urgent, waiting 5s"
    )


def test_among_equal_priority_the_longest_waiting_case_is_served_first() -> None:
    work = [item(n, waited=timedelta(minutes=n)) for n in (3, 7, 5)]
    decision = route(work, [agent(1, capacity={CHAT: 1})], POLICY, NOW)
    assert assigned(decision) == {7: 1}
    assert [u.case_id for u in decision.unassigned] == [5, 3]


def test_next_case_gives_the_agent_the_most_urgent_longest_waiting_case_they_may_take() -> None:
    work = [
        item(1, priority=Priority.EMERGENCY, required_skills=skills("fraud")),
        item(2, priority=Priority.HIGH, waited=timedelta(minutes=2)),
        item(3, priority=Priority.HIGH, waited=timedelta(minutes=4)),
        item(4, priority=Priority.HIGH, waited=timedelta(minutes=9), language="en"),
    ]
    picked = next_case_for(agent(1), work, POLICY, NOW)
    assert picked is not None
    assert picked.case_id == 3
    assert picked.reasons[0] == "first of 2 cases this agent can take: priority high, waiting 4m"


def test_next_case_is_none_when_the_agent_has_no_room_or_no_matching_work() -> None:
    assert next_case_for(agent(1, load={PHONE: 1}), [item(1)], POLICY, NOW) is None
    assert next_case_for(agent(1, load={CHAT: 3}), [item(1)], POLICY, NOW) is None
    assert next_case_for(agent(1), [item(1, language="en")], POLICY, NOW) is None


# --- capacity and exclusivity -----------------------------------------------------------------


def test_capacity_per_channel_is_never_exceeded_within_one_decision() -> None:
    work = [item(n) for n in range(1, 11)]
    agents = [agent(1, capacity={CHAT: 3}, load={CHAT: 1}), agent(2, capacity={CHAT: 2})]
    decision = route(work, agents, POLICY, NOW)
    assert Counter(assigned(decision).values()) == {1: 2, 2: 2}
    assert len(decision.unassigned) == 6
    assert decision.unassigned[0].reason == (
        "no available agent in queue 1 who speaks nl has room on chat: 2 at capacity on chat"
    )


def test_an_agent_on_a_phone_call_takes_no_chat() -> None:
    on_call = agent(1, load={PHONE: 1})
    outcome = refused(best_agent_for(item(1), [on_call], POLICY, NOW))
    assert outcome.reason.endswith("has room on chat: 1 busy on phone")


def test_a_call_goes_only_to_an_agent_without_open_work() -> None:
    chatting, idle = agent(1, load={CHAT: 1}), agent(2, load={})
    call = item(1, channel=PHONE)
    assert chosen(best_agent_for(call, [chatting, idle], POLICY, NOW)).agent_id == 2
    outcome = refused(best_agent_for(call, [chatting], POLICY, NOW))
    assert "1 with open work (phone needs an agent without other work)" in outcome.reason


def test_a_decision_gives_an_agent_one_call_and_nothing_beside_it() -> None:
    two_lines = agent(1, capacity={PHONE: 2, CHAT: 3})
    work = [item(1, channel=PHONE, waited=timedelta(minutes=3)), item(2, channel=PHONE), item(3)]
    assert assigned(route(work, [two_lines], POLICY, NOW)) == {1: 1}


def test_open_work_on_a_deferrable_channel_does_not_block_a_call() -> None:
    policy = replace(POLICY, deferrable_channels=frozenset({EMAIL}))
    with_mail = agent(1, load={EMAIL: 4})
    assert chosen(best_agent_for(item(1, channel=PHONE), [with_mail], policy, NOW)).agent_id == 1
    assert isinstance(best_agent_for(item(1, channel=PHONE), [with_mail], POLICY, NOW), Unrouted)


# --- choosing among eligible agents -----------------------------------------------------------


def test_the_agent_with_the_lowest_load_share_is_preferred() -> None:
    half = agent(1, capacity={CHAT: 4}, load={CHAT: 2})
    third = agent(2, capacity={CHAT: 3}, load={CHAT: 1})
    outcome = chosen(best_agent_for(item(1), [half, third], POLICY, NOW))
    assert outcome.agent_id == 2
    assert outcome.reasons[-1] == "load 1/3 on chat, lowest among 2 eligible agents"


def test_equal_agents_are_chosen_least_recently_assigned_first() -> None:
    recent = agent(1, last_assigned_at=NOW - timedelta(minutes=2))
    earlier = agent(2, last_assigned_at=NOW - timedelta(minutes=40))
    outcome = chosen(best_agent_for(item(1), [recent, earlier], POLICY, NOW))
    assert outcome.agent_id == 2
    assert outcome.reasons[-1] == (
        "load 0/3 on chat, tied with 1 other among 2 eligible agents; "
        "least recently assigned (last 40m ago)"
    )


def test_route_spreads_equal_work_round_robin_over_equal_agents() -> None:
    decision = route(
        [item(n, waited=timedelta(minutes=10 - n)) for n in range(1, 7)],
        [agent(1), agent(2), agent(3)],
        POLICY,
        NOW,
    )
    assert list(assigned(decision).values()) == [1, 2, 3, 1, 2, 3]


def test_the_lowest_agent_id_breaks_a_complete_tie() -> None:
    outcome = chosen(best_agent_for(item(1), [agent(7), agent(3)], POLICY, NOW))
    assert outcome.agent_id == 3
    assert outcome.reasons[-1].endswith("on everything else; lowest agent id")


def test_every_assignment_explains_why_this_agent() -> None:
    fraud = item(
        1,
        priority=Priority.URGENT,
        required_skills=skills("fraud", "mortgage"),
        waited=timedelta(minutes=12),
    )
    agents = [agent(1, skills=skills("fraud")), agent(2, skills=skills("fraud"), load={CHAT: 1})]
    decision = route([fraud, item(2)], agents, POLICY, NOW)
    assert decision.assignments[0].reasons == (
        "served before 1 other case: priority urgent, waiting 12m",
        "available and works queue 1",
        "speaks nl",
        "holds required skill fraud",
        "skill 'mortgage' relaxed after waiting 12m (policy: 10m); does not hold it",
        "load 0/3 on chat, lowest among 2 eligible agents",
    )
    assert all(len(a.reasons) >= 4 for a in decision.assignments)


def test_long_waits_read_in_hours_and_minutes() -> None:
    outcome = chosen(best_agent_for(item(1, waited=timedelta(minutes=65)), [agent(1)], POLICY, NOW))
    assert outcome.reasons[0] == "priority normal, waiting 1h05m"


def test_a_load_above_a_lowered_capacity_means_no_room() -> None:
    overloaded = agent(1, capacity={CHAT: 2}, load={CHAT: 3})
    outcome = refused(best_agent_for(item(1), [overloaded], POLICY, NOW))
    assert outcome.reason.endswith("has room on chat: 1 at capacity on chat")


# --- input checks and public API --------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 -- the point of the test
    with pytest.raises(ValidationError, match="timezone-aware"):
        item(1, waiting_since=naive)
    with pytest.raises(ValidationError, match="timezone-aware"):
        route([], [], POLICY, naive)


def test_a_case_or_agent_listed_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="case 1 is listed more than once"):
        route([item(1), item(1)], [agent(1)], POLICY, NOW)
    with pytest.raises(ValidationError, match="agent 1 is listed more than once"):
        route([item(1)], [agent(1), agent(1)], POLICY, NOW)


def test_negative_capacity_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot be negative"):
        agent(1, capacity={CHAT: -1})


def test_the_public_api_is_pinned() -> None:
    assert sorted(routing.__all__) == [
        "AgentSnapshot",
        "Assignment",
        "RoutingDecision",
        "RoutingPolicy",
        "Unrouted",
        "WorkItem",
        "best_agent_for",
        "held_for",
        "next_case_for",
        "route",
    ]
