"""Spreading cases over the customers and the demo period (default: the last 60 days).

Some customers contact the bank often, most now and then: each gets a number of cases drawn
from a skewed distribution that adds up to the wanted total. A customer's cases follow each
other (``demo/plan.py`` explains why), spaced over what is left of the period.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from klantenservice.demo.people import Person
from klantenservice.demo.plan import CasePlan, Planner
from klantenservice.demo.texts import fill_values

MAX_CASES_PER_CUSTOMER = 10
LAST_START = timedelta(hours=1)  # no case starts in the last hour before ``now``
RECENT = timedelta(hours=40)  # the backlog: cases still in progress at ``now``
RECENT_SHARE = 0.3
LINKED_SHARE = 0.04  # the customer answers on the thread of an earlier, closed case
DUPLICATE_SHARE = 0.012  # the customer mails again about a resolved question: merged


def case_counts(rng: random.Random, customers: int, total: int) -> list[int]:
    """``customers`` counts of at least one, adding up to ``total`` (when it fits), skewed."""
    counts = [1] * customers
    activity = [rng.paretovariate(1.6) for _ in range(customers)]
    remaining = max(0, total - customers)
    while remaining > 0:
        open_slots = [i for i, n in enumerate(counts) if n < MAX_CASES_PER_CUSTOMER]
        if not open_slots:
            break
        chosen = rng.choices(open_slots, weights=[activity[i] for i in open_slots])[0]
        counts[chosen] += 1
        remaining -= 1
    return counts


def plan_history(
    planner: Planner,
    people: Sequence[Person],
    *,
    total_cases: int,
    start: datetime,
) -> list[CasePlan]:
    """Case plans for ``people`` between ``start`` and the planner's ``now``."""
    rng, now = planner.rng, planner.now
    plans: list[CasePlan] = []
    for person, count in zip(people, case_counts(rng, len(people), total_cases), strict=True):
        plans.extend(_customer_cases(planner, person, count, start, now))
    return plans


def _customer_cases(
    planner: Planner, person: Person, count: int, start: datetime, now: datetime
) -> list[CasePlan]:
    rng = planner.rng
    plans: list[CasePlan] = []
    free = start + timedelta(hours=rng.uniform(0, 72))
    previous: CasePlan | None = None
    while len(plans) < count:
        room = (now - LAST_START) - free
        if room <= timedelta(0):
            break
        at = free + room * (rng.uniform(0.0, 0.9) / (count - len(plans)))
        values = fill_values(rng, first=person.first_name, name=person.name, at=at)
        linked = previous.key if previous is not None and rng.random() < LINKED_SHARE else None
        plan = planner.random_case(person, at, values, linked_to=linked)
        if plan.steps[0].at >= now - LAST_START:
            break
        plans.append(plan)
        if rng.random() < DUPLICATE_SHARE:
            plans.append(planner.duplicate(plan))
        free = planner.close_later(plan) + timedelta(hours=rng.uniform(1, 48))
        previous = plan
    if free < now - RECENT and rng.random() < RECENT_SHARE:
        at = now - RECENT * rng.random()
        values = fill_values(rng, first=person.first_name, name=person.name, at=at)
        plans.append(planner.random_case(person, at, values))
    return plans
