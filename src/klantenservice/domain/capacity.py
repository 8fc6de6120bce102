"""Capacity and exclusivity: whether one agent can take one more item on a channel, right now.

Routing (``domain/routing.py``) asks a ``Desk`` (the working copy of one agent's open work
during a single routing decision) two questions: *may this agent take one more item on this
channel?* and, if not, *why not?*.

Rules, in the order they are checked:

1. **Busy on an exclusive channel.** While an agent has open work on an exclusive channel
   (by default only ``phone``: one call at a time, and nothing else beside it) they take
   nothing at all.
2. **Capacity per channel.** ``load < capacity`` on the item's channel; a channel missing from
   the capacity map (or with capacity 0) is a channel the agent does not work.
3. **An exclusive item needs a free agent.** An item on an exclusive channel goes only to an
   agent without open work, except work on *deferrable* channels (policy: e.g. e-mail can wait
   while the agent is on the phone). By default nothing is deferrable, so a chat in progress
   blocks a new call just as a call blocks new chats.

Invariant: within one decision load only grows (``take``), so once a desk refuses a channel it
keeps refusing it; routing relies on that to skip work it already found unroutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from klantenservice.domain.vocabulary import Channel


@dataclass(frozen=True, slots=True)
class Exclusivity:
    """Which channels occupy an agent completely, and which open work may wait beside them."""

    channels: frozenset[Channel] = frozenset({Channel.PHONE})
    deferrable: frozenset[Channel] = frozenset()


class Desk:
    """One agent's open work per channel during one routing decision (mutable, never shared)."""

    __slots__ = ("_blocking", "_busy_exclusive", "capacity", "last_assigned_at", "load", "rules")

    def __init__(
        self,
        capacity: Mapping[Channel, int],
        load: Mapping[Channel, int],
        last_assigned_at: datetime | None,
        rules: Exclusivity,
    ) -> None:
        self.capacity = capacity
        self.load: dict[Channel, int] = {channel: n for channel, n in load.items() if n > 0}
        self.last_assigned_at = last_assigned_at
        self.rules = rules
        self._busy_exclusive = any(channel in rules.channels for channel in self.load)
        self._blocking = sum(n for c, n in self.load.items() if c not in rules.deferrable)

    def free(self, channel: Channel) -> int:
        """Items this agent could still take on ``channel`` by capacity alone."""
        return self.capacity.get(channel, 0) - self.load.get(channel, 0)

    def share(self, channel: Channel) -> float:
        """Load as a fraction of capacity on ``channel`` (only asked for channels worked)."""
        return self.load.get(channel, 0) / self.capacity[channel]

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
            return f"has open work, and {channel} needs an agent without other work"
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
        return f"load {self.load.get(channel, 0)}/{self.capacity.get(channel, 0)} on {channel}"
