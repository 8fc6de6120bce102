"""The standard configuration a fresh installation starts with (``klantenservice init``).

Calendars, queues, skills and service promises that let a Dutch bank take its first message
on day one; the demo builds on the same set. Everything here is created through the directory
services (audited, as the system actor), and only when missing, so seeding is idempotent and
never overwrites what an administrator changed since.

    calendar "office"    Mon-Fri 08:00-20:00, Sat 09:00-17:00, minus national holidays
    calendar "24/7"      always open: the fraud lane counts real elapsed time
    queue "general"      office hours, every case by default
    queue "emergency"    24/7: fraud, lost/stolen card, account take-over (PRODUCT.md §4)
    promises             per channel (normal priority), scaled per priority; ``emergency``
                         priority: a human within 10 minutes, on the 24/7 calendar

The emergency promise counts on the calendar of the case's queue (``services/promises.py``),
so emergency cases belong in the ``emergency`` queue, whose calendar is 24/7.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from klantenservice.domain.agents import Queue, SkillKind
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import Channel, Priority
from klantenservice.services import directory
from klantenservice.services.ports import SYSTEM, UnitOfWorkFactory

OFFICE = "office"
ALWAYS_OPEN = "24/7"
GENERAL_QUEUE = "general"
EMERGENCY_QUEUE = "emergency"

SKILLS: tuple[tuple[str, SkillKind], ...] = (
    ("nl", SkillKind.LANGUAGE),
    ("en", SkillKind.LANGUAGE),
    ("payments", SkillKind.PRODUCT),
    ("cards", SkillKind.PRODUCT),
    ("mortgage", SkillKind.PRODUCT),
    ("investments", SkillKind.PRODUCT),
    ("savings", SkillKind.PRODUCT),
    ("fraud", SkillKind.CERTIFICATION),
)

_M = timedelta(minutes=1)
_H = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Targets:
    """First response, next response and resolution, in working time of the calendar."""

    first: timedelta
    next: timedelta
    resolution: timedelta

    def scaled(self, factor: float) -> Targets:
        def scale(target: timedelta) -> timedelta:  # whole minutes, at least one
            return max(_M, timedelta(minutes=round(target / _M * factor)))

        return Targets(scale(self.first), scale(self.next), scale(self.resolution))


# Normal priority per channel; a working day of the office calendar has 12 hours.
CHANNEL_TARGETS: Mapping[Channel, Targets] = {
    Channel.CHAT: Targets(2 * _M, 2 * _M, 4 * _H),
    Channel.PHONE: Targets(3 * _M, 8 * _H, 12 * _H),
    Channel.WHATSAPP: Targets(30 * _M, 1 * _H, 12 * _H),
    Channel.SMS: Targets(1 * _H, 2 * _H, 12 * _H),
    Channel.EMAIL: Targets(8 * _H, 8 * _H, 40 * _H),
    Channel.WEB_FORM: Targets(8 * _H, 8 * _H, 40 * _H),
    Channel.IN_PERSON: Targets(15 * _M, 8 * _H, 12 * _H),
}
DEFAULT_TARGETS = Targets(8 * _H, 8 * _H, 40 * _H)
PRIORITY_FACTORS: Mapping[Priority, float] = {
    Priority.LOW: 2.0,
    Priority.HIGH: 0.5,
    Priority.URGENT: 0.25,
}
EMERGENCY_TARGETS = Targets(10 * _M, 30 * _M, 72 * _H)


def targets_for(channel: Channel, priority: Priority) -> Targets:
    """The standard targets for a case (what ``standard_policies`` promises)."""
    if priority is Priority.EMERGENCY:
        return EMERGENCY_TARGETS
    base = CHANNEL_TARGETS.get(channel, DEFAULT_TARGETS)
    factor = PRIORITY_FACTORS.get(priority)
    return base if factor is None else base.scaled(factor)


def _policy(name: str, calendar: str, targets: Targets, **keys: Any) -> PromisePolicy:
    return PromisePolicy(
        name=name,
        calendar=calendar,
        first_response=targets.first,
        next_response=targets.next,
        resolution=targets.resolution,
        **keys,
    )


def standard_policies() -> tuple[PromisePolicy, ...]:
    """One policy per channel, one per channel × (low, high, urgent), emergency, a default."""
    policies = [_policy("default", OFFICE, DEFAULT_TARGETS)]
    for channel, base in CHANNEL_TARGETS.items():
        policies.append(_policy(channel.value, OFFICE, base, channel=channel))
        for priority, factor in PRIORITY_FACTORS.items():
            name = f"{channel.value}-{priority.label}"
            targets = base.scaled(factor)
            policies.append(_policy(name, OFFICE, targets, channel=channel, priority=priority))
    policies.append(
        _policy("emergency", ALWAYS_OPEN, EMERGENCY_TARGETS, priority=Priority.EMERGENCY)
    )
    return tuple(policies)


def office_calendar(
    timezone: str, holiday_country: str, holiday_subdivision: str | None = None
) -> dict[str, Any]:
    weekday = [["08:00", "20:00"]]
    return {
        "timezone": timezone,
        "weekly_hours": [weekday] * 5 + [[["09:00", "17:00"]], []],
        "holiday_country": holiday_country,
        "holiday_subdivision": holiday_subdivision,
    }


def always_open_calendar(timezone: str) -> dict[str, Any]:
    return {"timezone": timezone, "weekly_hours": [[["00:00", "24:00"]]] * 7}


def seed_standard_configuration(
    uow_factory: UnitOfWorkFactory,
    *,
    now: datetime,
    timezone: str,
    holiday_country: str,
    holiday_subdivision: str | None = None,
) -> list[str]:
    """Create what is missing of the standard configuration; return what was created."""
    with uow_factory(read_only=True) as uow:
        known_skills = set(uow.directory.skills())
        known_calendars = {n for n in (OFFICE, ALWAYS_OPEN) if uow.directory.calendar(n)}
        known_queues = {q.name for q in uow.directory.queues()}
        known_policies = {p.name for p in uow.directory.policies()}
    created: list[str] = []
    calendars = {
        OFFICE: office_calendar(timezone, holiday_country, holiday_subdivision),
        ALWAYS_OPEN: always_open_calendar(timezone),
    }
    for name, definition in calendars.items():
        if name not in known_calendars:
            directory.put_calendar(
                uow_factory(), actor=SYSTEM, name=name, definition=definition, now=now
            )
            created.append(f"calendar {name}")
    for name, kind in SKILLS:
        if name not in known_skills:
            directory.define_skill(uow_factory(), actor=SYSTEM, name=name, kind=kind, now=now)
            created.append(f"skill {name}")
    for queue in (Queue(None, GENERAL_QUEUE, calendar=OFFICE), _emergency_queue()):
        if queue.name not in known_queues:
            directory.create_queue(uow_factory(), actor=SYSTEM, queue=queue, now=now)
            created.append(f"queue {queue.name}")
    for policy in standard_policies():
        if policy.name not in known_policies:
            directory.add_promise_policy(uow_factory(), actor=SYSTEM, policy=policy, now=now)
            created.append(f"promise policy {policy.name}")
    return created


def _emergency_queue() -> Queue:
    return Queue(None, EMERGENCY_QUEUE, calendar=ALWAYS_OPEN)
