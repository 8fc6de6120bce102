"""Routing properties over random floors: capacity, no double assignment, eligibility."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.domain.routing_support import CHAT, EMAIL, NOW, PHONE, POLICY, agent, item

from klantenservice.domain import routing
from klantenservice.domain.routing import (
    AgentSnapshot,
    Assignment,
    RoutingPolicy,
    WorkItem,
    best_agent_for,
    next_case_for,
    route,
)
from klantenservice.domain.vocabulary import (
    AgentId,
    Channel,
    Presence,
    Priority,
    QueueId,
)

# --- properties over random floors ------------------------------------------------------------

PRODUCTS = ("mortgage", "cards", "fraud")
CHANNELS = (CHAT, PHONE, EMAIL)
QUEUES = st.sampled_from((QueueId(1), QueueId(2)))
LANGUAGES = st.sampled_from(("nl", "en"))
PER_CHANNEL = st.dictionaries(st.sampled_from(CHANNELS), st.integers(0, 3))

AGENT_FIELDS = st.fixed_dictionaries(
    {
        "presence": st.sampled_from(list(Presence)),
        "languages": st.frozensets(LANGUAGES, min_size=1),
        "skills": st.frozensets(st.sampled_from(PRODUCTS)),
        "queue_ids": st.frozensets(QUEUES),
        "capacity": PER_CHANNEL,
        "load": PER_CHANNEL,
        "idle_minutes": st.none() | st.integers(0, 60),
    }
)
ITEM_FIELDS = st.fixed_dictionaries(
    {
        "queue_id": QUEUES,
        "channel": st.sampled_from(CHANNELS),
        "priority": st.sampled_from(list(Priority)),
        "language": LANGUAGES,
        "required_skills": st.frozensets(st.sampled_from(PRODUCTS), max_size=2),
        "waited_minutes": st.integers(0, 30),
    }
)


def build_agent(agent_id: int, fields: dict[str, Any]) -> AgentSnapshot:
    fields = dict(fields)
    idle = fields.pop("idle_minutes")
    last = None if idle is None else NOW - timedelta(minutes=idle)
    return agent(agent_id, last_assigned_at=last, **fields)


def build_item(case_id: int, fields: dict[str, Any]) -> WorkItem:
    fields = dict(fields)
    return item(case_id, waited=timedelta(minutes=fields.pop("waited_minutes")), **fields)


AGENTS = st.lists(AGENT_FIELDS, max_size=7).map(
    lambda rows: [build_agent(n, row) for n, row in enumerate(rows, start=1)]
)
WORK = st.lists(ITEM_FIELDS, max_size=20).map(
    lambda rows: [build_item(n, row) for n, row in enumerate(rows, start=1)]
)


def statically_eligible(a: AgentSnapshot, w: WorkItem, policy: RoutingPolicy) -> bool:
    """An independent reading of the rules, written from the brief rather than the code."""
    waited = NOW - w.waiting_since
    needed = w.required_skills
    if waited >= policy.relax_after:
        needed = needed & policy.certifications
    lang_wait = policy.language_relax_after
    speaks = w.language in a.languages or (lang_wait is not None and waited >= lang_wait)
    works_channel = a.capacity.get(w.channel, 0) > 0
    return (
        a.presence == Presence.AVAILABLE
        and w.queue_id in a.queue_ids
        and speaks
        and needed <= a.skills
        and works_channel
    )


def held(a: AgentSnapshot, emergencies: Sequence[WorkItem], policy: RoutingPolicy) -> bool:
    """Held for a waiting emergency: gets nothing below emergency (``reservation.Hold``)."""
    return (
        policy.hold_for_waiting_emergencies
        and policy.emergency_skill in a.skills
        and any(
            w.priority >= Priority.EMERGENCY and statically_eligible(a, w, policy)
            for w in emergencies
        )
    )


def has_room(a: AgentSnapshot, load: Mapping[Channel, int], channel: Channel) -> bool:
    if load.get(PHONE, 0) > 0 or load.get(channel, 0) >= a.capacity.get(channel, 0):
        return False
    return channel != PHONE or not any(load.values())


def final_loads(
    agents: Sequence[AgentSnapshot], work: Sequence[WorkItem], decision: routing.RoutingDecision
) -> dict[AgentId, Counter[Channel]]:
    by_case = {w.case_id: w for w in work}
    loads = {a.agent_id: Counter(a.load) for a in agents}
    for assignment in decision.assignments:
        loads[assignment.agent_id][by_case[assignment.case_id].channel] += 1
    return loads


@settings(max_examples=200, deadline=None)
@given(work=WORK, agents=AGENTS, relaxed_language=st.booleans())
def test_route_never_exceeds_capacity_never_double_assigns_and_only_picks_eligible_agents(
    work: list[WorkItem], agents: list[AgentSnapshot], relaxed_language: bool
) -> None:
    policy = replace(
        POLICY, language_relax_after=timedelta(minutes=15) if relaxed_language else None
    )
    decision = route(work, agents, policy, NOW)
    by_case, by_agent = {w.case_id: w for w in work}, {a.agent_id: a for a in agents}
    routed = [a.case_id for a in decision.assignments] + [u.case_id for u in decision.unassigned]
    assert sorted(routed) == sorted(by_case)  # every case exactly once, in one list or the other
    for assignment in decision.assignments:
        assert statically_eligible(
            by_agent[assignment.agent_id], by_case[assignment.case_id], policy
        )
        assert assignment.reasons
    loads = final_loads(agents, work, decision)
    for a in agents:
        given_now = Counter(
            by_case[x.case_id].channel for x in decision.assignments if x.agent_id == a.agent_id
        )
        for channel, n in given_now.items():
            assert n <= a.capacity.get(channel, 0) - a.load.get(channel, 0)
        if given_now[PHONE]:  # a call is the agent's only work
            assert sum(given_now.values()) == 1 and not any(a.load.values())
    waiting = [by_case[u.case_id] for u in decision.unassigned]
    for w in waiting:  # greedy is maximal: nobody eligible has room left, or they are held
        assert not any(
            statically_eligible(a, w, policy)
            and has_room(a, loads[a.agent_id], w.channel)
            and (w.priority >= Priority.EMERGENCY or not held(a, waiting, policy))
            for a in agents
        )
    assert all(unrouted.reason for unrouted in decision.unassigned)


@settings(max_examples=100, deadline=None)
@given(work=WORK, agents=AGENTS, relaxed_language=st.booleans())
def test_single_decisions_agree_with_the_eligibility_rules(
    work: list[WorkItem], agents: list[AgentSnapshot], relaxed_language: bool
) -> None:
    policy = replace(
        POLICY, language_relax_after=timedelta(minutes=15) if relaxed_language else None
    )
    for w in work:
        outcome = best_agent_for(w, agents, policy, NOW)
        possible = {
            a.agent_id
            for a in agents
            if statically_eligible(a, w, policy) and has_room(a, a.load, w.channel)
        }
        assert isinstance(outcome, Assignment) == bool(possible)
        assert outcome.agent_id in possible if isinstance(outcome, Assignment) else outcome.reason
    for a in agents:
        picked = next_case_for(a, work, policy, NOW)
        takeable = [
            w for w in work if statically_eligible(a, w, policy) and has_room(a, a.load, w.channel)
        ]
        first = min(takeable, key=lambda w: (-w.priority, w.waiting_since, w.case_id), default=None)
        if first is not None and first.priority < Priority.EMERGENCY and held(a, work, policy):
            first = None  # an emergency they could take once free is their next case
        assert (picked.case_id if picked else None) == (first.case_id if first else None)
