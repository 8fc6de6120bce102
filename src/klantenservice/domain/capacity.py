"""Capacity: how much more work an agent can take, per channel, right now.

Routing (``domain/routing.py``) sees each agent as an ``AgentSnapshot`` and, during one
decision, keeps a ``Desk`` per agent: a working copy of their open work that grows as the
decision assigns items. A desk answers *may this agent take one more item on this channel?*
and, if not, *why not?*. Rules, in the order they are checked:

1. **Busy on an exclusive channel.** While an agent has open work on an exclusive channel
   (by default only ``phone``: one call at a time, and nothing beside it) they take nothing.
2. **Capacity per channel.** ``load < capacity`` on the item's channel; a channel missing from
   the capacity map (or with capacity 0) is a channel the agent does not work. A load above
   capacity (capacity lowered mid-shift) simply means no room.
3. **An exclusive item needs a free agent.** An item on an exclusive channel goes only to an
   agent without open work, except work on *deferrable* channels (policy: e.g. e-mail may wait
   while the agent is on the phone). By default nothing is deferrable, so a chat in progress
   blocks a new call just as a call blocks new chats.

Invariant: within one decision load only grows (``Desk.take``), so once a desk refuses a
channel it keeps refusing it; routing relies on that to skip work it already found unroutable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import AgentId, Channel, Presence, QueueId


@dataclass(frozen=True, slots=True)
class AgentSnapshot:
    """An agent at the moment of the decision. A channel missing from ``capacity`` is not worked."""

    agent_id: AgentId
    name: str
    presence: Presence
    languages: frozenset[str]
    skills: frozenset[str]
    queue_ids: frozenset[QueueId]
    capacity: Mapping[Channel, int]
    load: Mapping[Channel, int] = field(default_factory=dict)
    last_assigned_at: datetime | None = None

    def __post_init__(self) -> None:
        if any(n < 0 for n in (*self.capacity.values(), *self.load.values())):
            raise ValidationError(f"agent {self.agent_id}: capacity and load cannot be negative")
        at = self.last_assigned_at
        if at is not None and (at.tzinfo is None or at.utcoffset() is None):
            raise ValidationError(
                f"agent {self.agent_id}: last_assigned_at must be a timezone-aware (UTC) datetime"
            )


@dataclass(frozen=True, slots=True)
class Exclusivity:
    """Which channels occupy an agent completely, and which open work may wait beside them."""

    channels: frozenset[Channel] = frozenset({Channel.PHONE})
    deferrable: frozenset[Channel] = frozenset()


class Desk:
    """One agent's open work per channel during one routing decision (mutable, never shared)."""

    __slots__ = ("_blocking", "_busy_exclusive", "agent", "last_assigned_at", "load", "rules")

    def __init__(self, agent: AgentSnapshot, rules: Exclusivity) -> None:
        self.agent = agent
        self.rules = rules
        self.load: dict[Channel, int] = {c: n for c, n in agent.load.items() if n > 0}
        self.last_assigned_at = agent.last_assigned_at
        self._busy_exclusive = any(channel in rules.channels for channel in self.load)
        self._blocking = sum(n for c, n in self.load.items() if c not in rules.deferrable)

    def free(self, channel: Channel) -> int:
        """Items this agent could still take on ``channel`` by capacity alone."""
        return self.agent.capacity.get(channel, 0) - self.load.get(channel, 0)

    def share(self, channel: Channel) -> float:
        """Load as a fraction of capacity on ``channel`` (only asked for channels worked)."""
        return self.load.get(channel, 0) / self.agent.capacity[channel]

    def can_take(self, channel: Channel) -> bool:
        if self._busy_exclusive or self.free(channel) <= 0:
            return False
        return not (channel in self.rules.channels and self._blocking > 0)

    def refusal(self, channel: Channel) -> str | None:
        """Why this agent cannot take one more item on ``channel``; ``None`` when they can."""
        busy = sorted(c for c in self.load if c in self.rules.channels)
        if busy:
            return f"busy on {busy[0]}"
        if self.free(channel) <= 0:
            return f"at capacity on {channel}"
        if channel in self.rules.channels and self._blocking > 0:
            return f"with open work ({channel} needs an agent without other work)"
        return None

    def take(self, channel: Channel, at: datetime) -> None:
        """Record one more open item on ``channel``; the caller checked ``can_take`` first."""
        self.load[channel] = self.load.get(channel, 0) + 1
        self.last_assigned_at = at
        if channel in self.rules.channels:
            self._busy_exclusive = True
        if channel not in self.rules.deferrable:
            self._blocking += 1

    def load_text(self, channel: Channel) -> str:
        """``"load 1/3 on chat"``: the figure an explanation quotes."""
        return (
            f"load {self.load.get(channel, 0)}/{self.agent.capacity.get(channel, 0)} on {channel}"
        )


SeatIndex = dict[tuple[QueueId, Channel], dict[str | None, list[Desk]]]


def seat_index(desks: Sequence[Desk]) -> SeatIndex:
    """Available desks by (queue, channel worked), then by language (``None``: any language).

    Built once per routing decision so that each item only looks at agents who could take it.
    """
    index: SeatIndex = {}
    for desk in desks:
        agent = desk.agent
        if agent.presence is not Presence.AVAILABLE:
            continue
        channels = [channel for channel, n in agent.capacity.items() if n > 0]
        for queue in agent.queue_ids:
            for channel in channels:
                by_language = index.setdefault((queue, channel), {})
                for language in (None, *agent.languages):
                    by_language.setdefault(language, []).append(desk)
    return index
