"""What routing decides over and what it answers (``domain/routing.py`` makes the decisions).

Kept apart from the decisions so that each module stays readable: the work item, the policy
(including reserved emergency capacity and the hold for waiting emergencies,
``domain/reservation.py``) and the outcome types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.capacity import AgentSnapshot, Exclusivity
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.reservation import Reserve
from klantenservice.domain.vocabulary import AgentId, CaseId, Channel, Priority, QueueId


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
        require_aware(self.waiting_since, f"case {self.case_id}: waiting_since")


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """How strict routing is. ``deferrable_channels``: open work there may wait beside a call."""

    relax_after: timedelta = timedelta(minutes=10)
    certifications: frozenset[str] = frozenset({"fraud"})
    language_relax_after: timedelta | None = None
    exclusive_channels: frozenset[Channel] = frozenset({Channel.PHONE})
    deferrable_channels: frozenset[Channel] = frozenset()
    reserved_emergency_agents: int = 0  # agents with the emergency skill kept free
    emergency_skill: str = "fraud"
    # agents who could take a waiting emergency once free get nothing below emergency
    hold_for_waiting_emergencies: bool = True

    def __post_init__(self) -> None:
        waits = (self.relax_after, self.language_relax_after or timedelta(0))
        if any(wait < timedelta(0) for wait in waits):
            raise ValidationError("relaxation waits cannot be negative")
        if self.reserved_emergency_agents < 0:
            raise ValidationError("reserved_emergency_agents cannot be negative")
        if not self.emergency_skill.strip():
            raise ValidationError("emergency_skill cannot be empty")

    def reserve(self, agents: Sequence[AgentSnapshot]) -> Reserve:
        return Reserve(agents, self.reserved_emergency_agents, self.emergency_skill)

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


def require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{what} must be a timezone-aware (UTC) datetime")
