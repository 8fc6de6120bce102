"""Routing's explanations: why this agent, and why nobody (``domain/routing.py``).

Every assignment reads top to bottom as reasons, every refusal names the first filter that
leaves nobody (docs/subsystems/routing.md, "Explanations"). Pure text from the decision's
inputs; nothing here decides anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from klantenservice.domain.capacity import AgentSnapshot, Desk
from klantenservice.domain.reservation import Hold, Reserve, is_emergency
from klantenservice.domain.routing_model import RoutingPolicy, WorkItem
from klantenservice.domain.routing_text import ago, duration, plural
from klantenservice.domain.vocabulary import Presence

if TYPE_CHECKING:
    from klantenservice.domain.routing import Needs

# how routing ranks eligible agents, lower is better (``routing._rank``)
Key = tuple[int, int, float, datetime, int]


def fit_reasons(
    item: WorkItem, agent: AgentSnapshot, needs: Needs, policy: RoutingPolicy
) -> list[str]:
    waited = duration(needs.waited)
    reasons = [f"available and works queue {item.queue_id}"]
    if needs.language is not None:
        reasons.append(f"speaks {item.language}")
    else:
        speaks = "speaks it" if item.language in agent.languages else "does not speak it"
        limit = duration(policy.language_relax_after or timedelta(0))
        relaxed = f"language {item.language} relaxed after waiting {waited} (policy: {limit})"
        reasons.append(f"{relaxed}; {speaks}")
    reasons.extend(f"holds required skill {skill}" for skill in sorted(needs.skills))
    limit = duration(policy.relax_after)
    for skill in sorted(needs.preferred):
        holds = "holds it" if skill in agent.skills else "does not hold it"
        reasons.append(f"skill '{skill}' relaxed after waiting {waited} (policy: {limit}); {holds}")
    return reasons


def choice_reason(item: WorkItem, desk: Desk, best: Key, keys: list[Key], now: datetime) -> str:
    """Name the criterion that set the chosen agent apart from the closest other candidate."""
    load = desk.load_text(item.channel)
    others = [key for key in keys if key != best]
    if not others:
        return f"{load}; the only eligible agent"
    level = shared_prefix(best, min(others))  # the runner-up is the closest in ranking order
    tied = sum(1 for key in others if key[:level] == best[:level])
    among = plural(len(keys), "eligible agent")
    if tied < len(others):
        among = f"the {tied + 1} best-matched of {among}"
    texts = (
        f"speaks {item.language}, unlike {plural(len(others), 'other eligible agent')}; {load}",
        f"holds {plural(-best[1], 'relaxed skill')}, most among {among}; {load}",
        f"{load}, lowest among {among}",
        f"{load}, tied with {plural(tied, 'other')} among {among}; "
        f"least recently assigned ({ago(desk.last_assigned_at, now)})",
        f"{load}, tied with {plural(tied, 'other')} on everything else; lowest agent id",
    )
    return texts[min(level, len(texts) - 1)]


def diagnose(
    item: WorkItem,
    needs: Needs,
    desks: Sequence[Desk],
    policy: RoutingPolicy,
    reserve: Reserve,
    hold: Hold | None = None,
) -> str:
    """Why no agent can take ``item``: the first filter that leaves nobody.

    An agent who passes every filter and has room was held for a waiting emergency or kept
    free for the emergency lane.
    """
    queue, lang, channel = item.queue_id, needs.language, item.channel
    wants = f"speaks {lang}" if lang else ""
    if needs.skills:
        skills = ", ".join(sorted(needs.skills))
        wants = f"{wants} with skill {skills}" if wants else f"has skill {skills}"
    who = f" who {wants}" if wants else ""
    here, hint = f"no available agent in queue {queue}", relax_hint(needs, policy)
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
    kept = reserve.kept_text(queue)
    held = hold if hold and not is_emergency(item.priority) else None

    def refusal(desk: Desk) -> str:
        found = desk.refusal(channel) or (held.text(desk.agent) if held else None)
        return found or kept

    refusals = Counter(refusal(desk) for desk in pool)
    detail = ", ".join(f"{n} {why}" for why, n in sorted(refusals.items(), key=str))
    return f"{here}{who} has room on {channel}: {detail}{hint}"


def relax_hint(needs: Needs, policy: RoutingPolicy) -> str:
    relaxable = sorted(needs.skills - policy.certifications)
    if not relaxable:
        return ""
    return f" (skill {', '.join(relaxable)} optional after waiting {duration(policy.relax_after)})"


def shared_prefix(a: Key, b: Key) -> int:
    for position, (x, y) in enumerate(zip(a, b, strict=True)):
        if x != y:
            return position
    return len(a)
