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

Relaxation: once an item has waited ``relax_after``, its *product* skills (mortgage,
investments, ...) become preferences; *certifications* (default: fraud) stay required forever.
Language is never relaxed unless ``language_relax_after`` is set.

Invariants of ``route``: no case is assigned twice, no agent goes over capacity on any channel
(load is updated after each assignment within the decision), every assignment carries
human-readable reasons ("why this agent") and every unrouted case a sentence saying why not.
Routing is greedy in serving order: an item never waits for a better agent who is busy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from klantenservice.domain.capacity import AgentSnapshot, Desk, Exclusivity, seat_index
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Presence, Priority, QueueId

__all__ = [
    "AgentSnapshot",
    "Assignment",
    "RoutingDecision",
    "RoutingPolicy",
    "Unrouted",
    "WorkItem",
    "best_agent_for",
    "next_case_for",
    "route",
]

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A case waiting for an agent, as routing sees it (queue skills already merged in)."""

    case_id: CaseId
    queue_id: QueueId
    channel: Channel
    priority: Priority
    language: str
    required_skills: frozenset[str]
    waiting_since: datetime

    def __post_init__(self) -> None:
        _require_aware(self.waiting_since, f"case {self.case_id}: waiting_since")


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """How strict routing is. ``deferrable_channels``: open work there may wait beside a call."""

    relax_after: timedelta = timedelta(minutes=10)
    certifications: frozenset[str] = frozenset({"fraud"})
    language_relax_after: timedelta | None = None
    exclusive_channels: frozenset[Channel] = frozenset({Channel.PHONE})
    deferrable_channels: frozenset[Channel] = frozenset()

    def __post_init__(self) -> None:
        waits = (self.relax_after, self.language_relax_after or timedelta(0))
        if any(wait < timedelta(0) for wait in waits):
            raise ValidationError("relaxation waits cannot be negative")

    @property
    def exclusivity(self) -> Exclusivity:
        return Exclusivity(self.exclusive_channels, self.deferrable_channels)


@dataclass(frozen=True, slots=True)
class Assignment:
    case_id: CaseId
    agent_id: AgentId
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unrouted:
    case_id: CaseId
    reason: str


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unrouted, ...]


# --- public decisions -------------------------------------------------------------------------


def route(
    work: Sequence[WorkItem], agents: Sequence[AgentSnapshot], policy: RoutingPolicy, now: datetime
) -> RoutingDecision:
    """Assign as much waiting work as capacity allows, most urgent and longest waiting first."""
    _require_aware(now, "now")
    _require_unique(work, agents)
    order = sorted(work, key=_serving_key)
    rules = policy.exclusivity
    desks = [Desk(agent, rules) for agent in agents]
    index = seat_index(desks)
    assignments: list[Assignment] = []
    unassigned: list[Unrouted] = []
    failed: dict[tuple[object, ...], str] = {}  # load only grows: what failed once fails again
    for position, item in enumerate(order):
        needs = _needs(item, policy, now)
        signature = _signature(item, needs)
        if signature not in failed:
            candidates = index.get((item.queue_id, item.channel), {}).get(needs.language, [])
            why_first = f"served before {_count(len(order) - position - 1, 'other case')}: "
            why_first += _order_text(item, needs)
            assignment = _assign(
                item, needs, candidates, policy=policy, now=now, why_first=why_first
            )
            if assignment is not None:
                assignments.append(assignment)
                continue
            failed[signature] = _diagnose(item, needs, desks, policy)
        unassigned.append(Unrouted(item.case_id, failed[signature]))
    return RoutingDecision(tuple(assignments), tuple(unassigned))


def best_agent_for(
    item: WorkItem, agents: Sequence[AgentSnapshot], policy: RoutingPolicy, now: datetime
) -> Assignment | Unrouted:
    """The agent one item should go to now (single assignment), or why there is none."""
    _require_aware(now, "now")
    needs = _needs(item, policy, now)
    rules = policy.exclusivity
    desks = [Desk(agent, rules) for agent in agents if _fits(agent, item, needs)]
    why_first = _order_text(item, needs)
    assignment = _assign(item, needs, desks, policy=policy, now=now, why_first=why_first)
    if assignment is not None:
        return assignment
    everyone = [Desk(agent, rules) for agent in agents]
    return Unrouted(item.case_id, _diagnose(item, needs, everyone, policy))


def routing_signature(item: WorkItem, policy: RoutingPolicy, now: datetime) -> Hashable:
    """What decides whether *any* agent may take ``item`` at ``now``.

    Two items with the same signature are refused by the same agents for the same reason.
    Loads only grow while work is being handed out, so a caller assigning several items in a
    row may remember a signature that found nobody and refuse the next item with it at once
    (``route`` does; so does the batched intake).
    """
    return _signature(item, _needs(item, policy, now))


def _signature(item: WorkItem, needs: _Needs) -> tuple[object, ...]:
    return (item.queue_id, item.channel, needs.language, needs.skills)


def next_case_for(
    agent: AgentSnapshot, work: Sequence[WorkItem], policy: RoutingPolicy, now: datetime
) -> Assignment | None:
    """The agent pressed "next case": the most urgent, longest-waiting item they may take."""
    _require_aware(now, "now")
    desk = Desk(agent, policy.exclusivity)
    if agent.presence is not Presence.AVAILABLE:
        return None
    open_channels = frozenset(c for c, n in agent.capacity.items() if n > 0 and desk.can_take(c))
    best, count = _first_in_line(agent, work, open_channels, policy, now)
    if best is None:
        return None
    needs = _needs(best, policy, now)
    first = f"first of {_count(count, 'case')} this agent can take: {_order_text(best, needs)}"
    reasons = (first, *_fit_reasons(best, agent, needs, policy), desk.load_text(best.channel))
    return Assignment(best.case_id, agent.agent_id, reasons)


# --- eligibility ------------------------------------------------------------------------------

_Key = tuple[int, int, float, datetime, int]


@dataclass(frozen=True, slots=True)
class _Needs:
    """What an item demands of an agent at ``now``, after relaxation."""

    language: str | None  # None: relaxed, speaking it is only preferred
    skills: frozenset[str]  # required
    preferred: frozenset[str]  # relaxed product skills
    waited: timedelta


def _needs(item: WorkItem, policy: RoutingPolicy, now: datetime) -> _Needs:
    waited = now - item.waiting_since
    skills, preferred = item.required_skills, frozenset[str]()
    if waited >= policy.relax_after:
        skills = item.required_skills & policy.certifications
        preferred = item.required_skills - skills
    language_wait = policy.language_relax_after
    relaxed_language = language_wait is not None and waited >= language_wait
    return _Needs(None if relaxed_language else item.language, skills, preferred, waited)


def _fits(agent: AgentSnapshot, item: WorkItem, needs: _Needs) -> bool:
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
) -> tuple[WorkItem | None, int]:
    """The first item in serving order this agent may take, and how many they may take.

    The hot loop of "next case" (thousands of items per press): the rules of ``_needs`` and
    ``_fits`` applied with precomputed cut-off times instead of a ``_Needs`` per item.
    """
    skill_cutoff = now - policy.relax_after  # waiting since then or earlier: skills relaxed
    language_wait = policy.language_relax_after
    language_cutoff = None if language_wait is None else now - language_wait
    certifications, skills, languages = policy.certifications, agent.skills, agent.languages
    best: WorkItem | None = None
    count = 0
    for item in work:
        if item.channel not in open_channels or item.queue_id not in agent.queue_ids:
            continue
        since, required = item.waiting_since, item.required_skills
        if item.language not in languages and (language_cutoff is None or since > language_cutoff):
            continue
        if not required <= skills and (
            since > skill_cutoff or not required & certifications <= skills
        ):
            continue
        count += 1
        if best is None or _serving_key(item) < _serving_key(best):
            best = item
    return best, count


# --- choosing and explaining ------------------------------------------------------------------


def _assign(
    item: WorkItem,
    needs: _Needs,
    candidates: Sequence[Desk],
    *,
    policy: RoutingPolicy,
    now: datetime,
    why_first: str,
) -> Assignment | None:
    """Give ``item`` to the best candidate who can take it, and update that agent's load."""
    keys: list[_Key] = []
    best: tuple[_Key, Desk] | None = None
    for desk in candidates:
        if needs.skills <= desk.agent.skills and desk.can_take(item.channel):
            key = _rank(desk, item, needs)
            keys.append(key)
            if best is None or key < best[0]:
                best = (key, desk)
    if best is None:
        return None
    best_key, desk = best
    choice = _choice_reason(item, desk, best_key, keys, now)
    reasons = (why_first, *_fit_reasons(item, desk.agent, needs, policy), choice)
    desk.take(item.channel, now)
    return Assignment(item.case_id, desk.agent.agent_id, reasons)


def _rank(desk: Desk, item: WorkItem, needs: _Needs) -> _Key:
    """Lower is better: speaks the language, most relaxed skills, lowest load, longest idle."""
    agent = desk.agent
    return (
        int(item.language not in agent.languages),
        -len(needs.preferred & agent.skills),
        desk.share(item.channel),
        desk.last_assigned_at or _NEVER,
        agent.agent_id,
    )


def _fit_reasons(
    item: WorkItem, agent: AgentSnapshot, needs: _Needs, policy: RoutingPolicy
) -> list[str]:
    waited = _duration(needs.waited)
    reasons = [f"available and works queue {item.queue_id}"]
    if needs.language is not None:
        reasons.append(f"speaks {item.language}")
    else:
        speaks = "speaks it" if item.language in agent.languages else "does not speak it"
        limit = _duration(policy.language_relax_after or timedelta(0))
        relaxed = f"language {item.language} relaxed after waiting {waited} (policy: {limit})"
        reasons.append(f"{relaxed}; {speaks}")
    reasons.extend(f"holds required skill {skill}" for skill in sorted(needs.skills))
    limit = _duration(policy.relax_after)
    for skill in sorted(needs.preferred):
        holds = "holds it" if skill in agent.skills else "does not hold it"
        reasons.append(f"skill '{skill}' relaxed after waiting {waited} (policy: {limit}); {holds}")
    return reasons


def _choice_reason(item: WorkItem, desk: Desk, best: _Key, keys: list[_Key], now: datetime) -> str:
    """Name the criterion that set the chosen agent apart from the closest other candidate."""
    load = desk.load_text(item.channel)
    others = [key for key in keys if key != best]
    if not others:
        return f"{load}; the only eligible agent"
    level = _shared_prefix(best, min(others))  # the runner-up is the closest in ranking order
    tied = sum(1 for key in others if key[:level] == best[:level])
    among = _count(len(keys), "eligible agent")
    if tied < len(others):
        among = f"the {tied + 1} best-matched of {among}"
    texts = (
        f"speaks {item.language}, unlike {_count(len(others), 'other eligible agent')}; {load}",
        f"holds {_count(-best[1], 'relaxed skill')}, most among {among}; {load}",
        f"{load}, lowest among {among}",
        f"{load}, tied with {_count(tied, 'other')} among {among}; "
        f"least recently assigned ({_ago(desk.last_assigned_at, now)})",
        f"{load}, tied with {_count(tied, 'other')} on everything else; lowest agent id",
    )
    return texts[min(level, len(texts) - 1)]


def _diagnose(item: WorkItem, needs: _Needs, desks: Sequence[Desk], policy: RoutingPolicy) -> str:
    """Why no agent can take ``item``: the first filter that leaves nobody."""
    queue, lang, channel = item.queue_id, needs.language, item.channel
    wants = f"speaks {lang}" if lang else ""
    if needs.skills:
        skills = ", ".join(sorted(needs.skills))
        wants = f"{wants} with skill {skills}" if wants else f"has skill {skills}"
    who = f" who {wants}" if wants else ""
    here, hint = f"no available agent in queue {queue}", _relax_hint(needs, policy)
    stages: list[tuple[Callable[[AgentSnapshot], bool], str]] = [
        (lambda a: a.presence is Presence.AVAILABLE, "no agent is available"),
        (lambda a: queue in a.queue_ids, f"no available agent works queue {queue}"),
        (lambda a: lang is None or lang in a.languages, f"{here} speaks {lang}"),
        (lambda a: needs.skills <= a.skills, f"{here} {wants}{hint}"),
        (lambda a: a.capacity.get(channel, 0) > 0, f"{here}{who} takes {channel}"),
    ]
    pool = list(desks)
    for keep, sentence in stages:
        pool = [desk for desk in pool if keep(desk.agent)]
        if not pool:
            return sentence
    refusals = Counter(desk.refusal(channel) for desk in pool)
    detail = ", ".join(f"{n} {why}" for why, n in sorted(refusals.items(), key=str))
    return f"{here}{who} has room on {channel}: {detail}{hint}"


def _relax_hint(needs: _Needs, policy: RoutingPolicy) -> str:
    relaxable = sorted(needs.skills - policy.certifications)
    if not relaxable:
        return ""
    return f" (skill {', '.join(relaxable)} optional after waiting {_duration(policy.relax_after)})"


# --- small pieces -----------------------------------------------------------------------------


def _serving_key(item: WorkItem) -> tuple[int, datetime, int]:
    return (-item.priority, item.waiting_since, item.case_id)


def _order_text(item: WorkItem, needs: _Needs) -> str:
    return f"priority {item.priority.label}, waiting {_duration(needs.waited)}"


def _shared_prefix(a: _Key, b: _Key) -> int:
    for position, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            return position
    return len(a)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _ago(moment: datetime | None, now: datetime) -> str:
    return "never assigned before" if moment is None else f"last {_duration(now - moment)} ago"


def _duration(span: timedelta) -> str:
    """``45s``, ``12m``, ``1h05m``: waits as a person reads them."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h{minutes % 60:02d}m"


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{what} must be a timezone-aware (UTC) datetime")


def _require_unique(work: Sequence[WorkItem], agents: Sequence[AgentSnapshot]) -> None:
    for what, ids in (("case", [w.case_id for w in work]), ("agent", [a.agent_id for a in agents])):
        repeated = [i for i, n in Counter[int](ids).items() if n > 1]
        if repeated:
            raise ValidationError(f"{what} {repeated[0]} is listed more than once")
