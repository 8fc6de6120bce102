"""Configuration in the store: teams, queues, skills, calendars and promise policies.

Calendars and policies are read on every intake, and change rarely: they are cached per engine
for a few seconds (``CONFIG_TTL``); a write through this repository clears the cache. Another
process sees a change after at most the TTL; the intake's writer process is told at once
(``ConfigCache.generation``, ``adapters/writer_process.py``).
"""

from __future__ import annotations

import time as _time
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select

from klantenservice.adapters.calendars import holiday_container
from klantenservice.adapters.db.tables import calendars, promise_policies, queues, skills, teams
from klantenservice.domain.agents import Queue, Team
from klantenservice.domain.calendars import BusinessCalendar, DayHours
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import Channel, Priority, QueueId, TeamId

CONFIG_TTL = 5.0


class ConfigCache:
    """Per-engine cache of calendars and policies (shared by all units of work of an engine)."""

    def __init__(self) -> None:
        self.loaded_at = -1.0
        self.calendars: dict[str, BusinessCalendar] = {}
        self.calendar_rows: dict[str, tuple[Any, ...]] = {}  # what each calendar was built from
        self.policies: list[PromisePolicy] = []
        self.queues: dict[int, Queue] = {}
        # counts clear(): the intake's writer process drops its own cache when this changed
        self.generation = 0

    def fresh(self) -> bool:
        return _time.monotonic() - self.loaded_at < CONFIG_TTL

    def clear(self) -> None:
        self.loaded_at = -1.0
        self.generation += 1


def _queue(row: Row[Any]) -> Queue:
    return Queue(
        id=QueueId(row.id),
        name=row.name,
        team_id=None if row.team_id is None else TeamId(row.team_id),
        calendar=row.calendar,
        required_skills=frozenset(row.required_skills),
    )


def _seconds(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(seconds=value)


def _policy(row: Row[Any]) -> PromisePolicy:
    return PromisePolicy(
        name=row.name,
        calendar=row.calendar,
        channel=None if row.channel is None else Channel(row.channel),
        priority=None if row.priority is None else Priority(row.priority),
        segment=row.segment,
        first_response=_seconds(row.first_response_seconds),
        next_response=_seconds(row.next_response_seconds),
        resolution=_seconds(row.resolution_seconds),
        warn_at=row.warn_at,
    )


def parse_weekly_hours(raw: Any) -> tuple[DayHours, ...]:
    """``[[["08:00","20:00"]], ..., []]`` (Monday first, 7 days) → calendar intervals."""
    if not isinstance(raw, list) or len(raw) != 7:
        raise ValidationError("weekly_hours must list 7 days, Monday first")
    try:
        return tuple(tuple((_clock(a), _clock(b)) for a, b in day) for day in raw)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"weekly_hours: {error}; use [['08:00', '17:00'], ...]") from None


def _clock(text: str) -> time:
    return time(0) if text == "24:00" else time.fromisoformat(text)


def _calendar(row: Row[Any]) -> BusinessCalendar:
    closed = (
        holiday_container(row.holiday_country, row.holiday_subdivision)
        if row.holiday_country
        else frozenset()
    )
    return BusinessCalendar(row.name, parse_weekly_hours(row.weekly_hours), closed, row.timezone)


class SqlDirectory:
    def __init__(self, connection: Connection, cache: ConfigCache) -> None:
        self._c = connection
        self._cache = cache

    def _calendars(self, cache: ConfigCache) -> dict[str, BusinessCalendar]:
        """Keep an unchanged calendar's object: its holidays and day spans are computed once."""
        built: dict[str, BusinessCalendar] = {}
        rows: dict[str, tuple[Any, ...]] = {}
        for row in self._c.execute(select(calendars)):
            rows[row.name] = tuple(row)
            same = cache.calendar_rows.get(row.name) == rows[row.name]
            kept = cache.calendars.get(row.name) if same else None
            built[row.name] = kept if kept is not None else _calendar(row)
        cache.calendar_rows = rows
        return built

    def _load(self) -> ConfigCache:
        if not self._cache.fresh():
            cache = self._cache
            cache.calendars = self._calendars(cache)
            cache.policies = [_policy(r) for r in self._c.execute(select(promise_policies))]
            cache.queues = {r.id: _queue(r) for r in self._c.execute(select(queues))}
            cache.loaded_at = _time.monotonic()
        return self._cache

    def add_team(self, team: Team) -> Team:
        result = self._c.execute(insert(teams).values(name=team.name))
        return Team(TeamId(result.inserted_primary_key[0]), team.name)  # type: ignore[index]

    def teams(self) -> list[Team]:
        rows = self._c.execute(select(teams).order_by(teams.c.id))
        return [Team(TeamId(r.id), r.name) for r in rows]

    def add_queue(self, queue: Queue) -> Queue:
        result = self._c.execute(
            insert(queues).values(
                name=queue.name,
                team_id=queue.team_id,
                calendar=queue.calendar,
                required_skills=sorted(queue.required_skills),
            )
        )
        self._cache.clear()
        new_id = QueueId(result.inserted_primary_key[0])  # type: ignore[index]
        return Queue(new_id, queue.name, queue.team_id, queue.calendar, queue.required_skills)

    def get_queue(self, queue_id: QueueId) -> Queue | None:
        return self._load().queues.get(queue_id)

    def queue_by_name(self, name: str) -> Queue | None:
        return next((q for q in self._load().queues.values() if q.name == name), None)

    def queues(self) -> list[Queue]:
        return sorted(self._load().queues.values(), key=lambda q: q.id or 0)

    def add_skill(self, name: str, kind: str) -> None:
        exists = self._c.execute(select(skills.c.name).where(skills.c.name == name)).first()
        if exists is None:
            self._c.execute(insert(skills).values(name=name, kind=kind))

    def skills(self) -> dict[str, str]:
        return {r.name: r.kind for r in self._c.execute(select(skills).order_by(skills.c.name))}

    def put_calendar(self, name: str, definition: Mapping[str, Any]) -> None:
        values = {
            "timezone": definition.get("timezone", "Europe/Amsterdam"),
            "weekly_hours": definition["weekly_hours"],
            "holiday_country": definition.get("holiday_country"),
            "holiday_subdivision": definition.get("holiday_subdivision"),
        }
        row = self._c.execute(select(calendars).where(calendars.c.name == name)).first()
        if row is None:
            self._c.execute(insert(calendars).values(name=name, **values))
        else:
            self._c.execute(calendars.update().where(calendars.c.name == name).values(**values))
        self._cache.clear()

    def calendar(self, name: str) -> BusinessCalendar | None:
        return self._load().calendars.get(name)

    def add_policy(self, policy: PromisePolicy) -> None:
        def secs(value: timedelta | None) -> int | None:
            return None if value is None else int(value.total_seconds())

        self._c.execute(
            insert(promise_policies).values(
                name=policy.name,
                calendar=policy.calendar,
                channel=None if policy.channel is None else policy.channel.value,
                priority=None if policy.priority is None else int(policy.priority),
                segment=policy.segment,
                first_response_seconds=secs(policy.first_response),
                next_response_seconds=secs(policy.next_response),
                resolution_seconds=secs(policy.resolution),
                warn_at=policy.warn_at,
            )
        )
        self._cache.clear()

    def policies(self) -> list[PromisePolicy]:
        return list(self._load().policies)
