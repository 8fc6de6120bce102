"""Latency of routing decisions on a realistic floor: 5,000 waiting cases, 500 agents.

Run: ``.venv/bin/python bench/routing.py`` (optionally ``--seed N --samples N --passes N``).

Measures, each interleaved with a baseline over the same data in the same run:

1. ``best_agent_for``: one item against all 500 agents (baseline: first available agent with
   room on the channel, no skills, language, queue or fairness).
2. ``next_case_for``: one available agent against all 5,000 items (baseline: first item on a
   channel the agent has room on).
3. ``route``: a full pass, 5,000 items x 500 agents (baseline: the same greedy pass with the
   naive "first available agent with room" rule).

Goal (docs/subsystems/routing.md): p99 < 5 ms for the per-decision latencies.
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial

from klantenservice.domain.routing import (
    AgentSnapshot,
    RoutingPolicy,
    WorkItem,
    best_agent_for,
    next_case_for,
    route,
)
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Presence, Priority, QueueId

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = RoutingPolicy(relax_after=timedelta(minutes=10))
QUEUES = [QueueId(n) for n in range(1, 6)]
PRODUCTS = ["payments", "cards", "mortgage", "investments", "savings", "loans"]
CHANNELS = [Channel.CHAT, Channel.EMAIL, Channel.PHONE, Channel.WHATSAPP]
CHANNEL_WEIGHTS = [35, 35, 20, 10]
PRIORITIES = list(Priority)
PRIORITY_WEIGHTS = [10, 60, 20, 8, 2]


def make_work(rng: random.Random, count: int) -> list[WorkItem]:
    work = []
    for n in range(1, count + 1):
        fraud = rng.random() < 0.10
        skills = {rng.choice(PRODUCTS)} if rng.random() < 0.6 else set()
        priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        work.append(
            WorkItem(
                case_id=CaseId(n),
                queue_id=rng.choice(QUEUES),
                channel=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
                priority=max(priority, Priority.URGENT) if fraud else priority,
                language="nl" if rng.random() < 0.75 else "en",
                required_skills=frozenset(skills | ({"fraud"} if fraud else set())),
                waiting_since=NOW - timedelta(seconds=rng.randint(0, 90 * 60)),
            )
        )
    return work


def make_capacity(rng: random.Random) -> dict[Channel, int]:
    capacity = {}
    for channel, share, low, high in (
        (Channel.CHAT, 0.9, 2, 4),
        (Channel.EMAIL, 0.8, 3, 6),
        (Channel.PHONE, 0.7, 1, 1),
        (Channel.WHATSAPP, 0.5, 2, 3),
    ):
        if rng.random() < share:
            capacity[channel] = rng.randint(low, high)
    return capacity


def make_load(rng: random.Random, capacity: dict[Channel, int]) -> dict[Channel, int]:
    if Channel.PHONE in capacity and rng.random() < 0.15:
        return {Channel.PHONE: 1}  # on a call: nothing else open beside it
    return {c: rng.randint(0, n - 1) for c, n in capacity.items() if c is not Channel.PHONE}


def make_agents(rng: random.Random, count: int) -> list[AgentSnapshot]:
    agents = []
    for n in range(1, count + 1):
        capacity = make_capacity(rng)
        roll = rng.random()
        languages = {"nl"} if roll < 0.65 else {"en"} if roll < 0.75 else {"nl", "en"}
        skills = set(rng.sample(PRODUCTS, rng.randint(2, 4)))
        presence = rng.choices(list(Presence), [75, 15, 10])[0]
        idle = rng.randint(0, 3600)
        agents.append(
            AgentSnapshot(
                agent_id=AgentId(n),
                name=f"agent {n}",
                presence=presence,
                languages=frozenset(languages),
                skills=frozenset(skills | ({"fraud"} if rng.random() < 0.15 else set())),
                queue_ids=frozenset(rng.sample(QUEUES, rng.randint(1, 3))),
                capacity=capacity,
                load=make_load(rng, capacity),
                last_assigned_at=None if idle > 3000 else NOW - timedelta(seconds=idle),
            )
        )
    return agents


# --- baselines: the naive rule, no skills, language, queue, exclusivity or fairness ------------


def naive_agent(item: WorkItem, agents: Sequence[AgentSnapshot]) -> AgentSnapshot | None:
    for agent in agents:
        channel = item.channel
        if agent.presence is Presence.AVAILABLE and agent.capacity.get(channel, 0) > (
            agent.load.get(channel, 0)
        ):
            return agent
    return None


def naive_next(agent: AgentSnapshot, work: Sequence[WorkItem]) -> WorkItem | None:
    for item in work:
        if agent.capacity.get(item.channel, 0) > agent.load.get(item.channel, 0):
            return item
    return None


def naive_route(work: Sequence[WorkItem], agents: Sequence[AgentSnapshot]) -> int:
    loads = {agent.agent_id: dict(agent.load) for agent in agents}
    assigned = 0
    for item in sorted(work, key=lambda w: (-w.priority, w.waiting_since)):
        for agent in agents:
            load = loads[agent.agent_id]
            if agent.presence is Presence.AVAILABLE and agent.capacity.get(item.channel, 0) > (
                load.get(item.channel, 0)
            ):
                load[item.channel] = load.get(item.channel, 0) + 1
                assigned += 1
                break
    return assigned


# --- measuring --------------------------------------------------------------------------------


def timed(call: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - start


def interleaved(
    pairs: Sequence[tuple[Callable[[], object], Callable[[], object]]],
) -> tuple[list[int], list[int]]:
    """Time candidate and baseline alternately so machine noise hits both alike."""
    candidate, baseline = [], []
    gc.collect()
    for run, naive in pairs:
        candidate.append(timed(run))
        baseline.append(timed(naive))
    return candidate, baseline


def percentile(samples: Sequence[int], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] / 1e6  # ms


def row(label: str, candidate: list[int], baseline: list[int]) -> str:
    c = [percentile(candidate, p) for p in (50, 95, 99)]
    b = [percentile(baseline, p) for p in (50, 95, 99)]
    ratio = c[2] / b[2] if b[2] else float("inf")
    return (
        f"{label:<34}{len(candidate):>6}{c[0]:>9.3f}{c[1]:>9.3f}{c[2]:>9.3f}"
        f"{b[0]:>10.4f}{b[2]:>10.4f}{ratio:>9.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--passes", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work, agents = make_work(rng, 5000), make_agents(rng, 500)
    ready = [a for a in agents if a.presence is Presence.AVAILABLE]
    items = [rng.choice(work) for _ in range(args.samples)]
    askers = [rng.choice(ready) for _ in range(args.samples)]

    single, single_base = interleaved(
        [
            (partial(best_agent_for, i, agents, POLICY, NOW), partial(naive_agent, i, agents))
            for i in items
        ]
    )
    nxt, nxt_base = interleaved(
        [
            (partial(next_case_for, a, work, POLICY, NOW), partial(naive_next, a, work))
            for a in askers
        ]
    )
    full, full_base = interleaved(
        [(lambda: route(work, agents, POLICY, NOW), lambda: naive_route(work, agents))]
        * args.passes
    )
    report(
        work,
        agents,
        [
            row("best_agent_for (1 item x 500)", single, single_base),
            row("next_case_for (1 agent x 5000)", nxt, nxt_base),
            row("route (5000 x 500, full pass)", full, full_base),
        ],
        [single, nxt],
    )


def report(
    work: Sequence[WorkItem], agents: Sequence[AgentSnapshot], rows: list[str], per: list[list[int]]
) -> None:
    decision = route(work, agents, POLICY, NOW)
    print(
        f"python {sys.version.split()[0]}; {len(work)} cases, {len(agents)} agents "
        f"({sum(a.presence is Presence.AVAILABLE for a in agents)} available); "
        f"route assigns {len(decision.assignments)}, leaves {len(decision.unassigned)} waiting "
        f"(naive rule assigns {naive_route(work, agents)})"
    )
    print(
        f"{'decision (ms)':<34}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}"
        f"{'base p50':>10}{'base p99':>10}{'p99 ratio':>10}"
    )
    for line in rows:
        print(line)
    worst = max(percentile(samples, 99) for samples in per)
    verdict = "met" if worst < 5 else "MISSED"
    print(f"goal p99 < 5 ms per decision: {verdict} (worst p99 {worst:.3f} ms over both kinds)")


if __name__ == "__main__":
    main()
