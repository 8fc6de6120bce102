"""Administration: teams, queues, skills, calendars, promise policies, agents and presence."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from klantenservice.domain.agents import Agent, Queue, SkillKind, Team, skill_name
from klantenservice.domain.errors import Conflict, NotFound, PermissionDenied, ValidationError
from klantenservice.domain.events import DomainEvent
from klantenservice.domain.permissions import Permission
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import AgentId, Presence, Role
from klantenservice.services import access
from klantenservice.services.ports import Actor, UnitOfWork


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    kind: str,
    subject: object,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> None:
    uow.audit.record(
        actor=actor,
        action=action,
        subject_type=kind,
        subject_id=subject,
        at=now,
        details=details or {},
    )


def create_team(uow: UnitOfWork, *, actor: Actor, name: str, now: datetime) -> Team:
    access.check(actor, Permission.STAFF_MANAGE)
    with uow:
        if any(t.name == name for t in uow.directory.teams()):
            raise Conflict(f"a team named {name!r} already exists")
        team = uow.directory.add_team(Team(None, name))
        _audit(uow, actor, "team.created", "team", team.id, now, {"name": name})
        uow.commit()
        return team


def define_skill(
    uow: UnitOfWork, *, actor: Actor, name: str, kind: SkillKind, now: datetime
) -> str:
    access.check(actor, Permission.STAFF_MANAGE)
    clean = skill_name(name)
    with uow:
        uow.directory.add_skill(clean, kind.value)
        _audit(uow, actor, "skill.defined", "skill", clean, now, {"kind": kind.value})
        uow.commit()
        return clean


def put_calendar(
    uow: UnitOfWork, *, actor: Actor, name: str, definition: Mapping[str, Any], now: datetime
) -> None:
    """Create or replace a business calendar (weekly hours, zone, holiday country)."""
    access.check(actor, Permission.STAFF_MANAGE)
    with uow:
        uow.directory.put_calendar(name, definition)
        if uow.directory.calendar(name) is None:  # parses it: refuses a bad definition
            raise ValidationError(f"calendar {name!r} could not be read back")
        _audit(uow, actor, "calendar.saved", "calendar", name, now)
        uow.commit()


def create_queue(uow: UnitOfWork, *, actor: Actor, queue: Queue, now: datetime) -> Queue:
    access.check(actor, Permission.STAFF_MANAGE)
    with uow:
        if uow.directory.queue_by_name(queue.name) is not None:
            raise Conflict(f"a queue named {queue.name!r} already exists")
        if uow.directory.calendar(queue.calendar) is None:
            raise NotFound(f"no calendar named {queue.calendar!r}; create it first")
        stored = uow.directory.add_queue(queue)
        _audit(uow, actor, "queue.created", "queue", stored.id, now, {"name": queue.name})
        uow.commit()
        return stored


def add_promise_policy(
    uow: UnitOfWork, *, actor: Actor, policy: PromisePolicy, now: datetime
) -> PromisePolicy:
    access.check(actor, Permission.STAFF_MANAGE)
    with uow:
        if any(p.name == policy.name for p in uow.directory.policies()):
            raise Conflict(f"a promise policy named {policy.name!r} already exists")
        if uow.directory.calendar(policy.calendar) is None:
            raise NotFound(f"no calendar named {policy.calendar!r}; create it first")
        uow.directory.add_policy(policy)
        _audit(uow, actor, "promise_policy.created", "promise_policy", policy.name, now)
        uow.commit()
        return policy


def create_agent(uow: UnitOfWork, *, actor: Actor, agent: Agent, now: datetime) -> Agent:
    access.check(actor, Permission.STAFF_MANAGE)
    with uow:
        known = set(uow.directory.skills())
        unknown = sorted((agent.skills | agent.languages) - known)
        if known and unknown:
            raise ValidationError(f"unknown skills {', '.join(unknown)}; define them first")
        for queue_id in agent.queue_ids:
            if uow.directory.get_queue(queue_id) is None:
                raise NotFound(f"no queue with id {queue_id}")
        stored = uow.agents.add(agent)
        _audit(uow, actor, "agent.created", "agent", stored.id, now, {"name": agent.name})
        uow.commit()
        return stored


def set_presence(
    uow: UnitOfWork, *, actor: Actor, agent_id: AgentId, presence: Presence, now: datetime
) -> None:
    """Agents set their own presence; supervisors may set anyone's."""
    if actor.agent_id != agent_id and not actor.roles & {Role.SUPERVISOR, Role.ADMIN}:
        raise PermissionDenied("agents may change their own presence only")
    with uow:
        if uow.agents.get(agent_id) is None:
            raise NotFound(f"no agent with id {agent_id}")
        uow.agents.set_presence(agent_id, presence)
        _audit(
            uow,
            actor,
            "agent.presence_changed",
            "agent",
            agent_id,
            now,
            {"presence": presence.value},
        )
        uow.outbox.add(
            DomainEvent(
                "agent.presence_changed", {"agent_id": agent_id, "presence": presence.value}, now
            )
        )
        uow.commit()
