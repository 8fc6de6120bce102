"""Floors for the routing tests: agents and work items with sensible defaults."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from klantenservice.domain.routing import (
    AgentSnapshot,
    Assignment,
    RoutingPolicy,
    Unrouted,
    WorkItem,
)
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Presence, Priority, QueueId

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = RoutingPolicy(relax_after=timedelta(minutes=10))
CHAT, PHONE, EMAIL = Channel.CHAT, Channel.PHONE, Channel.EMAIL


def agent(agent_id: int, **changes: Any) -> AgentSnapshot:
    base = AgentSnapshot(
        agent_id=AgentId(agent_id),
        name=f"agent {agent_id}",
        presence=Presence.AVAILABLE,
        languages=frozenset({"nl"}),
        skills=frozenset(),
        queue_ids=frozenset({QueueId(1)}),
        capacity={CHAT: 3, PHONE: 1, EMAIL: 5},
        load={},
        last_assigned_at=None,
    )
    return replace(base, **changes)


def item(case_id: int, *, waited: timedelta = timedelta(minutes=1), **changes: Any) -> WorkItem:
    base = WorkItem(
        case_id=CaseId(case_id),
        queue_id=QueueId(1),
        channel=CHAT,
        priority=Priority.NORMAL,
        language="nl",
        required_skills=frozenset(),
        waiting_since=NOW - waited,
    )
    return replace(base, **changes)


def chosen(outcome: Assignment | Unrouted) -> Assignment:
    assert isinstance(outcome, Assignment), outcome
    return outcome


def refused(outcome: Assignment | Unrouted) -> Unrouted:
    assert isinstance(outcome, Unrouted), outcome
    return outcome
