"""Routing: which available agent takes which waiting case, and why (PRODUCT.md capability 2).

A pure decision: waiting work, agent snapshots, a policy and ``now`` in; assignments and the
reasons for them out. Nothing is read from a clock or a database; the service layer loads the
snapshots, calls ``route`` / ``best_agent_for`` / ``next_case_for`` and records the outcome.

Order of decisions:

1. **Eligibility** (hard rules, never traded against anything): the agent is ``available``,
   works the item's queue, speaks its language, holds its required skills, works its channel
   and has room there (``domain/capacity.py``: capacity per channel, and "one call at a time":
   an agent on the phone takes nothing else, and a call goes only to an agent without other
   open work unless the policy makes that work deferrable).
2. **Which work first**: highest priority, then longest wait, then lowest case id.
3. **Which agent**: the eligible agent who speaks the language (only matters once language is
   relaxed), then holds most relaxed skills, then has the lowest load share on the channel,
   then was assigned least recently (never = longest ago), then the lowest agent id.

Reservation (``domain/reservation.py``): work below emergency is not given to an idle fraud
agent if that would leave fewer than ``reserved_emergency_agents`` of them free; it is one
more eligibility rule, decided per candidate, and named in the explanations. While an
emergency waits, the fraud agents who could take it once free get nothing below emergency
(``hold_for_waiting_emergencies``): the emergency is their next case.

Relaxation: once an item has waited ``relax_after``, its *product* skills (mortgage,
investments, ...) become preferences; *certifications* (default: fraud) stay required forever.
Language is never relaxed unless ``language_relax_after`` is set.

Invariants of ``route``: no case is assigned twice, no agent goes over capacity on any channel
(load is updated after each assignment within the decision), every assignment carries
human-readable reasons ("why this agent") and every unrouted case a sentence saying why not.
Routing is greedy in serving order: an item never waits for a better agent who is busy (the
one exception is the hold: work below emergency waits rather than take an agent a waiting
emergency needs). The inputs and outcomes are in ``routing_model.py``, the sentences that
explain a decision in ``routing_explain.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from klantenservice.domain.capacity import AgentSnapshot, Desk, SeatIndex, seat_index
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.reservation import Hold, Reserve, held_text, is_emergency
from klantenservice.domain.routing_explain import Key, choice_reason, diagnose, fit_reasons
from klantenservice.domain.routing_model import (
    Assignment,
    RoutingDecision,
    RoutingPolicy,
    Unrouted,
    WorkItem,
    require_aware,
)
from klantenservice.domain.routing_text import duration, plural
from klantenservice.domain.vocabulary import CaseId, Channel, Presence, QueueId

__all__ = [
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

_NEVER = datetime.min.replace(tzinfo=UTC)


# --- public decisions -------------------------------------------------------------------------


def route(
    work: Sequence[WorkItem], agents: Sequence[AgentSnapshot], policy: RoutingPolicy, now: datetime
) -> RoutingDecision:
    """Assign as much waiting work as capacity allows, most urgent and longest waiting first."""
    require_aware(now, "now")
    _require_unique(work, agents)
    order = sorted(work, key=_serving_key)
    rules = policy.exclusivity
    desks = [Desk(agent, rules) for agent in agents]
    index = seat_index(desks)
    reserve, changes = policy.reserve(agents), 0
    assignments: list[Assignment] = []
    unassigned: list[Unrouted] = []
    failed: dict[tuple[object, ...], str] = {}  # load only grows: what failed once fails again
    late: list[WorkItem] = []  # emergencies nobody could take: they hold their agents
    hold: Hold | None = None  # fixed once the emergencies are served (they come first)
    for position, item in enumerate(order):
        if reserve.changes != changes:  # someone left the reserve: they may take refused work
            failed, changes = {}, reserve.changes
        if hold is None and not is_emergency(item.priority):
            hold = _hold(late, lambda e, n: _seated(index, e, n), policy, now)
        needs = _needs(item, policy, now)
        signature = _signature(item, needs)
        if signature not in failed:
            candidates = index.get((item.queue_id, item.channel), {}).get(needs.language, [])
            why_first = f"served before {plural(len(order) - position - 1, 'other case')}: "
            why_first += _order_text(item, needs)
            assignment = _assign(item, needs, candidates, policy, now, why_first, reserve, hold)
            if assignment is not None:
                assignments.append(assignment)
                continue
            failed[signature] = diagnose(item, needs, desks, policy, reserve, hold)
        if is_emergency(item.priority):
            late.append(item)
        unassigned.append(Unrouted(item.case_id, failed[signature]))
    return RoutingDecision(tuple(assignments), tuple(unassigned))


def best_agent_for(
    item: WorkItem,
    agents: Sequence[AgentSnapshot],
    policy: RoutingPolicy,
    now: datetime,
    *,
    waiting: Sequence[WorkItem] = (),
) -> Assignment | Unrouted:
    """The agent one item should go to now (single assignment), or why there is none.

    ``waiting``: the emergencies waiting for an agent (other work in it is ignored); an agent
    who could take one of them once free is not given ``item`` unless it is an emergency too.
    """
    require_aware(now, "now")
    needs = _needs(item, policy, now)
    rules = policy.exclusivity
    desks = [Desk(agent, rules) for agent in agents if _fits(agent, item, needs)]
    why_first = _order_text(item, needs)
    reserve = policy.reserve(agents)
    hold = None
    if waiting and not is_emergency(item.priority):
        emergencies = sorted((w for w in waiting if is_emergency(w.priority)), key=_serving_key)
        hold = _hold(emergencies, lambda e, n: (a for a in agents if _fits(a, e, n)), policy, now)
    assignment = _assign(item, needs, desks, policy, now, why_first, reserve, hold)
    if assignment is not None:
        return assignment
    everyone = [Desk(agent, rules) for agent in agents]
    return Unrouted(item.case_id, diagnose(item, needs, everyone, policy, reserve, hold))


def routing_signature(item: WorkItem, policy: RoutingPolicy, now: datetime) -> Hashable:
    """What decides whether *any* agent may take ``item`` at ``now``.

    Two items with the same signature are refused by the same agents for the same reason.
    Loads only grow while work is being handed out, so a caller assigning several items in a
    row may remember a signature that found nobody and refuse the next item with it at once
    (``route`` does; so does the batched intake), until an agent leaves the emergency reserve
    (``domain/reservation.py``): that agent may then take work kept from them before. Whether
    the item is an emergency is part of the signature: only an emergency may take the reserve.
    Agents held for a waiting emergency (``Hold``) refuse every item below emergency alike; a
    caller remembering refusals across decisions must forget them when the emergencies waiting
    change (an emergency that stops waiting frees the agents held for it).
    """
    return _signature(item, _needs(item, policy, now))


def _signature(item: WorkItem, needs: Needs) -> tuple[object, ...]:
    return (item.queue_id, item.channel, needs.language, needs.skills, is_emergency(item.priority))


def next_case_for(
    agent: AgentSnapshot,
    work: Sequence[WorkItem],
    policy: RoutingPolicy,
    now: datetime,
    *,
    floor: Sequence[AgentSnapshot] = (),
) -> Assignment | None:
    """The agent pressed "next case": the most urgent, longest-waiting item they may take.

    ``floor``: the other agents, to count the emergency reserve (``reservation.kept_free``
    says why an agent in reserve got nothing); without it they count only themselves.
    An agent who could take a waiting emergency in ``work`` once free gets nothing below
    emergency (``held_for`` says why).
    """
    require_aware(now, "now")
    desk = Desk(agent, policy.exclusivity)
    if agent.presence is not Presence.AVAILABLE:
        return None
    open_channels = frozenset(c for c, n in agent.capacity.items() if n > 0 and desk.can_take(c))
    reserve = policy.reserve([agent, *floor])
    held = frozenset(q for q in agent.queue_ids if reserve.holds(agent, q))
    best, count, emergency = _first_in_line(agent, work, open_channels, policy, now, held)
    if best is None or (emergency is not None and not is_emergency(best.priority)):
        return None
    needs = _needs(best, policy, now)
    first = f"first of {plural(count, 'case')} this agent can take: {_order_text(best, needs)}"
    reasons = (first, *fit_reasons(best, agent, needs, policy), desk.load_text(best.channel))
    reasons += reserve.reasons(agent, best.queue_id, best.priority, 0)
    return Assignment(best.case_id, agent.agent_id, reasons)


def held_for(
    agent: AgentSnapshot, work: Sequence[WorkItem], policy: RoutingPolicy, now: datetime
) -> str | None:
    """Why ``next_case_for`` offers ``agent`` nothing below emergency, or ``None``.

    ``Emily is held for the emergency lane: emergency KS-000012 is waiting`` when an emergency
    in ``work`` waits that the agent could take once free (``reservation.Hold``).
    """
    require_aware(now, "now")
    if agent.presence is not Presence.AVAILABLE:
        return None
    desk = Desk(agent, policy.exclusivity)
    open_channels = frozenset(c for c, n in agent.capacity.items() if n > 0 and desk.can_take(c))
    _, _, emergency = _first_in_line(agent, work, open_channels, policy, now, frozenset())
    return None if emergency is None else f"{agent.name} is {held_text(emergency.case_id)}"


# --- eligibility ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Needs:
    """What an item demands of an agent at ``now``, after relaxation."""

    language: str | None  # None: relaxed, speaking it is only preferred
    skills: frozenset[str]  # required
    preferred: frozenset[str]  # relaxed product skills
    waited: timedelta


def _needs(item: WorkItem, policy: RoutingPolicy, now: datetime) -> Needs:
    waited = now - item.waiting_since
    skills, preferred = item.required_skills, frozenset[str]()
    if waited >= policy.relax_after:
        skills = item.required_skills & policy.certifications
        preferred = item.required_skills - skills
    language_wait = policy.language_relax_after
    relaxed_language = language_wait is not None and waited >= language_wait
    return Needs(None if relaxed_language else item.language, skills, preferred, waited)


def _fits(agent: AgentSnapshot, item: WorkItem, needs: Needs) -> bool:
    """The static half of eligibility; ``Desk.can_take`` is the other half."""
    return (
        agent.presence is Presence.AVAILABLE
        and item.queue_id in agent.queue_ids
        and (needs.language is None or needs.language in agent.languages)
        and needs.skills <= agent.skills
        and agent.capacity.get(item.channel, 0) > 0
    )


def _first_in_line(
    agent: AgentSnapshot,
    work: Sequence[WorkItem],
    open_channels: frozenset[Channel],
    policy: RoutingPolicy,
    now: datetime,
    held: frozenset[QueueId],
) -> tuple[WorkItem | None, int, WorkItem | None]:
    """The first item in serving order this agent may take, how many they may take, and the
    first emergency they could take once free but not now (it holds them, ``Hold``).

    ``held``: queues whose work below emergency this agent is kept free from (reservation).

    The hot loop of "next case" (thousands of items per press): the rules of ``_needs`` and
    ``_fits`` applied with precomputed cut-off times instead of a ``Needs`` per item.
    """
    skill_cutoff = now - policy.relax_after  # waiting since then or earlier: skills relaxed
    language_wait = policy.language_relax_after
    language_cutoff = None if language_wait is None else now - language_wait
    certifications, skills, languages = policy.certifications, agent.skills, agent.languages
    watch = policy.hold_for_waiting_emergencies and policy.emergency_skill in skills
    worked = frozenset(c for c, n in agent.capacity.items() if n > 0) if watch else frozenset()
    best: WorkItem | None = None
    waiting: WorkItem | None = None  # the first emergency this agent could take once free
    count = 0
    for item in work:
        if item.queue_id not in agent.queue_ids:
            continue
        later = item.channel not in open_channels  # only an emergency they may take once free
        if later and not (item.channel in worked and is_emergency(item.priority)):
            continue
        if held and item.queue_id in held and not is_emergency(item.priority):
            continue
        since, required = item.waiting_since, item.required_skills
        if item.language not in languages and (language_cutoff is None or since > language_cutoff):
            continue
        if not required <= skills and (
            since > skill_cutoff or not required & certifications <= skills
        ):
            continue
        if later:
            if waiting is None or _serving_key(item) < _serving_key(waiting):
                waiting = item
            continue
        count += 1
        if best is None or _serving_key(item) < _serving_key(best):
            best = item
    return best, count, waiting


# --- choosing and explaining ------------------------------------------------------------------


def _assign(
    item: WorkItem,
    needs: Needs,
    candidates: Sequence[Desk],
    policy: RoutingPolicy,
    now: datetime,
    why_first: str,
    reserve: Reserve,
    hold: Hold | None = None,
) -> Assignment | None:
    """Give ``item`` to the best candidate who can take it, and update that agent's load.

    Below emergency, agents held for a waiting emergency (``hold``) and agents kept in the
    reserve are skipped.
    """
    keys: list[Key] = []
    best: tuple[Key, Desk] | None = None
    held, emergency = 0, is_emergency(item.priority)
    waiting = hold if hold and not emergency else None
    for_emergency: list[AgentSnapshot] = []
    for desk in candidates:
        if needs.skills <= desk.agent.skills and desk.can_take(item.channel):
            if waiting is not None and waiting.holds(desk.agent):
                for_emergency.append(desk.agent)
                continue
            if not emergency and reserve.holds(desk.agent, item.queue_id):
                held += 1
                continue
            key = _rank(desk, item, needs)
            keys.append(key)
            if best is None or key < best[0]:
                best = (key, desk)
    if best is None:
        return None
    best_key, desk = best
    choice = choice_reason(item, desk, best_key, keys, now)
    reasons = (why_first, *fit_reasons(item, desk.agent, needs, policy), choice)
    reasons += reserve.reasons(desk.agent, item.queue_id, item.priority, held)
    if waiting is not None:
        reasons += waiting.reasons(for_emergency)
    desk.take(item.channel, now)
    reserve.leave(desk.agent)
    return Assignment(item.case_id, desk.agent.agent_id, reasons)


def _rank(desk: Desk, item: WorkItem, needs: Needs) -> Key:
    """Lower is better: speaks the language, most relaxed skills, lowest load, longest idle."""
    agent = desk.agent
    return (
        int(item.language not in agent.languages),
        -len(needs.preferred & agent.skills),
        desk.share(item.channel),
        desk.last_assigned_at or _NEVER,
        agent.agent_id,
    )


def _hold(
    emergencies: Iterable[WorkItem],
    fitting: Callable[[WorkItem, Needs], Iterable[AgentSnapshot]],
    policy: RoutingPolicy,
    now: datetime,
) -> Hold:
    """Who is held for ``emergencies`` (serving order): ``fitting`` lists who could take one.

    Emergencies with the same routing signature fit the same agents: only the first is asked.
    """
    if not policy.hold_for_waiting_emergencies:
        return Hold((), policy.emergency_skill)
    pairs: list[tuple[CaseId, Iterable[AgentSnapshot]]] = []
    seen: set[tuple[object, ...]] = set()
    for emergency in emergencies:
        needs = _needs(emergency, policy, now)
        signature = _signature(emergency, needs)
        if signature not in seen:
            seen.add(signature)
            pairs.append((emergency.case_id, fitting(emergency, needs)))
    return Hold(pairs, policy.emergency_skill)


def _seated(index: SeatIndex, item: WorkItem, needs: Needs) -> Iterable[AgentSnapshot]:
    """The agents of ``index`` who could take ``item`` once free (``_fits``, indexed)."""
    desks = index.get((item.queue_id, item.channel), {}).get(needs.language, [])
    return (desk.agent for desk in desks if needs.skills <= desk.agent.skills)


# --- small pieces -----------------------------------------------------------------------------


def _serving_key(item: WorkItem) -> tuple[int, datetime, int]:
    return (-item.priority, item.waiting_since, item.case_id)


def _order_text(item: WorkItem, needs: Needs) -> str:
    return f"priority {item.priority.label}, waiting {duration(needs.waited)}"


def _require_unique(work: Sequence[WorkItem], agents: Sequence[AgentSnapshot]) -> None:
    for what, ids in (("case", [w.case_id for w in work]), ("agent", [a.agent_id for a in agents])):
        repeated = [i for i, n in Counter[int](ids).items() if n > 1]
        if repeated:
            raise ValidationError(f"{what} {repeated[0]} is listed more than once")
