"""Held for a waiting emergency: a fraud agent who could take it once free gets nothing less."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.domain.routing_support import CHAT, EMAIL, NOW, PHONE, POLICY, agent, chosen, item
from tests.domain.routing_support import refused as unrouted
from tests.domain.test_routing_properties import (
    AGENTS,
    ITEM_FIELDS,
    WORK,
    build_item,
    statically_eligible,
)

from klantenservice.domain.routing import (
    AgentSnapshot,
    RoutingPolicy,
    WorkItem,
    best_agent_for,
    held_for,
    next_case_for,
    route,
)
from klantenservice.domain.vocabulary import Presence, Priority, QueueId

FRAUD = frozenset({"fraud"})
NO_HOLD = replace(POLICY, hold_for_waiting_emergencies=False)
HELD = "held for the emergency lane: emergency KS-000002 is waiting"


def fraud_agent(agent_id: int, **changes: Any) -> AgentSnapshot:
    return agent(agent_id, skills=FRAUD, **changes)


def phone_emergency(case_id: int, **changes: Any) -> WorkItem:
    fields: dict[str, Any] = {"channel": PHONE, "priority": Priority.EMERGENCY}
    return item(case_id, required_skills=FRAUD, **(fields | changes))


# A fraud agent between chats: room for two more, but a call needs an agent without open work.
BETWEEN_CHATS = fraud_agent(1, load={CHAT: 1})


def test_the_hold_is_on_by_default() -> None:
    assert RoutingPolicy().hold_for_waiting_emergencies


def test_route_gives_no_chat_to_a_fraud_agent_a_waiting_phone_emergency_needs() -> None:
    work = [item(1, waited=timedelta(minutes=30)), phone_emergency(2)]
    decision = route(work, [BETWEEN_CHATS], POLICY, NOW)
    assert decision.assignments == ()
    reasons = {u.case_id: u.reason for u in decision.unassigned}
    assert reasons[1] == f"no available agent in queue 1 who speaks nl has room on chat: 1 {HELD}"
    assert reasons[2].endswith("1 with open work (phone needs an agent without other work)")
    without = route(work, [BETWEEN_CHATS], NO_HOLD, NOW)
    assert [(a.case_id, a.agent_id) for a in without.assignments] == [(1, 1)]


def test_normal_work_goes_to_an_agent_not_held_and_the_reasons_name_the_emergency() -> None:
    floor = [BETWEEN_CHATS, agent(2, load={CHAT: 2})]  # agent 1 ranks first on load
    decision = route([item(1), phone_emergency(2)], floor, POLICY, NOW)
    (assignment,) = decision.assignments
    assert assignment.agent_id == 2
    assert assignment.reasons[-1] == f"1 eligible agent {HELD}"


def test_only_agents_who_could_take_the_emergency_once_free_are_held() -> None:
    others = [
        agent(1, load={CHAT: 1}),  # no fraud skill
        fraud_agent(2, load={CHAT: 1}, queue_ids=frozenset({QueueId(1), QueueId(3)})),
        fraud_agent(3, load={CHAT: 1}, languages=frozenset({"en"})),
        fraud_agent(4, load={CHAT: 1}, capacity={CHAT: 3}),  # takes no calls
        fraud_agent(5, load={CHAT: 1}, presence=Presence.AWAY),
    ]
    emergency = phone_emergency(2, queue_id=QueueId(3), language="en")
    # agent 2 works queue 3 but does not speak English; agent 3 speaks it but not queue 3
    work = [item(10, language="en"), item(11), emergency]
    decision = route(work, others, POLICY, NOW)
    assert {a.case_id for a in decision.assignments} == {10, 11}
    held = fraud_agent(6, load={CHAT: 1}, languages=frozenset({"nl", "en"}))
    held = replace(held, queue_ids=frozenset({QueueId(1), QueueId(3)}))
    decision = route([item(10, language="en"), emergency], [held], POLICY, NOW)
    assert decision.assignments == ()


def test_an_emergency_assigned_in_the_same_decision_holds_nobody() -> None:
    work = [item(1, waited=timedelta(minutes=30)), item(3, channel=CHAT, priority=Priority.LOW)]
    work.append(phone_emergency(2, channel=CHAT))
    decision = route(work, [BETWEEN_CHATS], POLICY, NOW)
    assert [a.case_id for a in decision.assignments] == [2, 1]  # then at capacity on chat


def test_emergencies_are_never_held_back_by_another_emergency() -> None:
    work = [phone_emergency(2), phone_emergency(3, channel=CHAT, waited=timedelta(0))]
    decision = route(work, [BETWEEN_CHATS], POLICY, NOW)
    assert [a.case_id for a in decision.assignments] == [3]


def test_next_case_offers_a_held_agent_nothing_below_emergency_and_says_why() -> None:
    emily = replace(BETWEEN_CHATS, name="Emily")
    work = [item(1, waited=timedelta(hours=1)), phone_emergency(2)]
    assert next_case_for(emily, work, POLICY, NOW) is None
    assert held_for(emily, work, POLICY, NOW) == f"Emily is {HELD}"
    picked = next_case_for(emily, work, NO_HOLD, NOW)
    assert picked is not None and picked.case_id == 1
    assert held_for(emily, work, NO_HOLD, NOW) is None
    assert held_for(emily, work[:1], POLICY, NOW) is None  # nothing waiting: not held


def test_next_case_gives_the_emergency_to_an_agent_who_can_take_it_now() -> None:
    work = [item(1, waited=timedelta(hours=1)), phone_emergency(2)]
    picked = next_case_for(fraud_agent(1), work, POLICY, NOW)
    assert picked is not None and picked.case_id == 2


def test_best_agent_for_holds_agents_only_for_the_waiting_emergencies_it_is_given() -> None:
    waiting = [phone_emergency(2), item(3, channel=EMAIL)]  # the e-mail holds nobody
    held = unrouted(best_agent_for(item(1), [BETWEEN_CHATS], POLICY, NOW, waiting=waiting))
    assert held.reason.endswith(f"has room on chat: 1 {HELD}")
    # a caller remembering this refusal must forget it once the emergency stops waiting
    assert chosen(best_agent_for(item(1), [BETWEEN_CHATS], POLICY, NOW)).agent_id == 1
    urgent = phone_emergency(4, channel=CHAT)
    assert chosen(best_agent_for(urgent, [BETWEEN_CHATS], POLICY, NOW, waiting=waiting))
    off = best_agent_for(item(1), [BETWEEN_CHATS], NO_HOLD, NOW, waiting=waiting)
    assert chosen(off).agent_id == 1


def test_route_remembers_a_held_refusal_for_every_item_of_the_signature() -> None:
    """The hold is fixed once the emergencies are served, so a cached refusal stays true."""
    work = [item(1, waited=timedelta(minutes=3)), item(3), phone_emergency(2)]
    floor = [BETWEEN_CHATS, agent(2, capacity={EMAIL: 1})]
    decision = route(work, floor, POLICY, NOW)
    assert decision.assignments == ()
    assert {u.case_id for u in decision.unassigned if HELD in u.reason} == {1, 3}


# --- properties -------------------------------------------------------------------------------

EMERGENCIES = st.lists(
    ITEM_FIELDS.map(lambda f: {**f, "priority": Priority.EMERGENCY, "required_skills": FRAUD}),
    max_size=3,
)
FRAUD_AGENTS = AGENTS.map(lambda agents: [replace(a, skills=a.skills | FRAUD) for a in agents])


@settings(max_examples=200, deadline=None)
@given(work=WORK, urgent=EMERGENCIES, agents=st.one_of(AGENTS, FRAUD_AGENTS))
def test_no_agent_who_could_take_a_waiting_emergency_gets_work_below_it(
    work: list[WorkItem], urgent: list[dict[str, Any]], agents: list[AgentSnapshot]
) -> None:
    work = work + [build_item(100 + n, fields) for n, fields in enumerate(urgent)]
    decision = route(work, agents, POLICY, NOW)
    by_case = {w.case_id: w for w in work}
    waiting = [by_case[u.case_id] for u in decision.unassigned]
    waiting = [w for w in waiting if w.priority >= Priority.EMERGENCY]
    held = {
        a.agent_id
        for a in agents
        if "fraud" in a.skills and any(statically_eligible(a, w, POLICY) for w in waiting)
    }
    for assignment in decision.assignments:
        if by_case[assignment.case_id].priority < Priority.EMERGENCY:
            assert assignment.agent_id not in held
    emergencies = [w for w in work if w.priority >= Priority.EMERGENCY]
    for a in agents:  # next case agrees: a held agent is offered an emergency or nothing
        picked = next_case_for(a, work, POLICY, NOW)
        normal = picked is not None and by_case[picked.case_id].priority < Priority.EMERGENCY
        fits = "fraud" in a.skills and any(statically_eligible(a, w, POLICY) for w in emergencies)
        assert not (fits and normal)
        if normal:
            assert held_for(a, work, POLICY, NOW) is None
        elif picked is None and fits:  # and no emergency they may take now: say why
            assert held_for(a, work, POLICY, NOW) is not None
