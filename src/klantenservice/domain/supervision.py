"""What a supervisor watches: the load of each queue and who could take its next case.

Pure figures, computed from plain values so they are tested with plain values:

- **waiting**: open cases of the queue without an assignee and not waiting on the customer
  (``new``, ``open``, ``pending_internal``), the same set routing offers to agents;
- **longest wait**: ``now`` minus the oldest ``waiting_since`` of those;
- **at risk / breached**: open cases of the queue whose promise projection (kept current by
  the promise sweeper) is ``warning`` / ``breached``;
- **agents with room**: agents of the queue who are *available* and could take one more item
  on at least one channel they work, by the same capacity rules as routing
  (``domain/capacity.Desk``: a phone call occupies an agent completely), counted per language
  and per skill. An agent who is available but full is not "available" to the queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from klantenservice.domain.capacity import AgentSnapshot, Desk, Exclusivity
from klantenservice.domain.vocabulary import Presence, QueueId


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """Open work of one queue, as counted by the store."""

    queue_id: QueueId
    waiting: int = 0
    oldest_waiting_since: datetime | None = None
    at_risk: int = 0
    breached: int = 0

    def longest_wait(self, now: datetime) -> timedelta | None:
        """How long the case waiting longest has waited (never negative)."""
        if self.oldest_waiting_since is None:
            return None
        return max(timedelta(0), now - self.oldest_waiting_since)


@dataclass(frozen=True, slots=True)
class Seats:
    """Agents of one queue with room for one more item now, in total and per language/skill."""

    queue_id: QueueId
    available: int = 0
    by_language: Mapping[str, int] = field(default_factory=dict)
    by_skill: Mapping[str, int] = field(default_factory=dict)


def has_room(agent: AgentSnapshot, rules: Exclusivity) -> bool:
    """Available, and some channel the agent works has a free slot under routing's rules."""
    if agent.presence is not Presence.AVAILABLE:
        return False
    desk = Desk(agent, rules)
    return any(desk.can_take(channel) for channel, n in agent.capacity.items() if n > 0)


def seats_by_queue(
    agents: Iterable[AgentSnapshot],
    queues: Mapping[QueueId, frozenset[str]],
    rules: Exclusivity,
) -> dict[QueueId, Seats]:
    """Per queue (id -> required skills): agents with room, per language and per skill.

    Every required skill of a queue is listed, with 0 when nobody with room has it: that is
    exactly the gap a supervisor must see.
    """
    with_room = [a for a in agents if has_room(a, rules)]
    seats: dict[QueueId, Seats] = {}
    for queue_id, required in queues.items():
        members = [a for a in with_room if queue_id in a.queue_ids]
        languages: dict[str, int] = {}
        skills: dict[str, int] = dict.fromkeys(sorted(required), 0)
        for agent in members:
            for language in agent.languages:
                languages[language] = languages.get(language, 0) + 1
            for skill in agent.skills - agent.languages:
                skills[skill] = skills.get(skill, 0) + 1
        seats[queue_id] = Seats(
            queue_id,
            len(members),
            dict(sorted(languages.items())),
            dict(sorted(skills.items())),
        )
    return seats
