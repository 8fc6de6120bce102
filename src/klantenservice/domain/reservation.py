"""Reserved emergency capacity: fraud agents kept free for the emergency lane (PRODUCT.md §4).

An agent is **in reserve** while available, holding the emergency skill (policy default:
``fraud``) and without open work on any channel. Work below ``Priority.EMERGENCY`` is not given
to an agent in reserve if that would leave fewer than ``keep`` agents in reserve; an emergency
may take any of them. Why: the lane promises a human within 10 minutes, and emergencies are
served first only among *free* agents: a fraud agent who has just picked up a 12-minute chat is
of no use to the fraud call arriving a minute later. Keeping a few of them idle is the price.

The reserve is counted **per queue**, among the agents a decision is given who work the item's
queue. That is what the services can see (push routing is handed the agents of the case's
queue, and the batched intake remembers refusals per queue), and it is never less strict than
a count over everyone: an agent leaves the reserve for every queue at once, and a queue's count
is at most the whole floor's.

Within one decision the reserve only shrinks: an agent leaves it by taking work. An agent who
left it may take work refused earlier (they are no longer kept free), so a caller that
remembers refusals forgets them whenever the reserve changed (``Reserve.changes``).

**Held for a waiting emergency** (``RoutingPolicy.hold_for_waiting_emergencies``, on by
default): while an emergency waits that an agent with the emergency skill could take once free
(works its queue, speaks its language, holds its skills, works its channel), that agent is
given nothing below emergency: the emergency is their next case, whatever else waits. Why: a
phone emergency needs an agent with no open work at all, so without the hold a fraud agent
between two chats is handed a third while the call waits, and during a fraud wave no fraud
agent ever becomes free (``bench/emergency.py`` measured it). Every such agent is held, not
one per emergency: nobody knows who will be free first. Unlike the reserve the hold costs
nothing while no emergency waits. It never keeps an emergency from anyone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from klantenservice.domain.capacity import AgentSnapshot
from klantenservice.domain.cases import format_reference
from klantenservice.domain.routing_text import plural
from klantenservice.domain.vocabulary import AgentId, CaseId, Presence, Priority, QueueId


def in_reserve(agent: AgentSnapshot, skill: str) -> bool:
    """Available, holds the emergency skill, and nothing open on any channel."""
    return (
        agent.presence is Presence.AVAILABLE
        and skill in agent.skills
        and not any(n > 0 for n in agent.load.values())
    )


def is_emergency(priority: Priority) -> bool:
    return priority >= Priority.EMERGENCY


class Reserve:
    """The agents in reserve during one decision, counted per queue (mutable, never shared)."""

    __slots__ = ("_counts", "_members", "changes", "keep", "skill")

    def __init__(self, agents: Iterable[AgentSnapshot], keep: int, skill: str) -> None:
        self.keep = keep
        self.skill = skill
        self.changes = 0  # how often an agent left the reserve during this decision
        self._members: set[AgentId] = set()
        self._counts: Counter[QueueId] = Counter()
        if keep <= 0:  # nothing reserved: nobody is ever held back, nothing to count
            return
        for agent in agents:
            if agent.agent_id not in self._members and in_reserve(agent, skill):
                self._members.add(agent.agent_id)
                self._counts.update(agent.queue_ids)

    def size(self, queue: QueueId) -> int:
        """Agents in reserve among those working ``queue``."""
        return self._counts[queue]

    def holds(self, agent: AgentSnapshot, queue: QueueId) -> bool:
        """Is ``agent`` kept free from work below emergency in ``queue``, right now?"""
        return agent.agent_id in self._members and self._counts[queue] <= self.keep

    def leave(self, agent: AgentSnapshot) -> None:
        """``agent`` took work: no longer in reserve (nothing happens if they were not)."""
        if agent.agent_id in self._members:
            self._members.discard(agent.agent_id)
            self._counts.subtract(agent.queue_ids)
            self.changes += 1

    def kept_text(self, queue: QueueId) -> str:
        """``kept free for the emergency lane (2 of 2 fraud agents in reserve in queue 3)``."""
        wanted = plural(self.keep, f"{self.skill} agent")
        n = self._counts[queue]
        return f"kept free for the emergency lane ({n} of {wanted} in reserve in queue {queue})"

    def reasons(
        self, agent: AgentSnapshot, queue: QueueId, priority: Priority, held: int
    ) -> tuple[str, ...]:
        """What reservation decided for an assignment: who it took, whom it skipped (``held``)."""
        texts: list[str] = []
        if agent.agent_id in self._members and is_emergency(priority):
            texts.append(f"emergency: may take an agent {self.kept_text(queue)}")
        elif agent.agent_id in self._members:
            n = self._counts[queue]
            texts.append(
                f"in reserve for the emergency lane, but {plural(n, self.skill + ' agent')} "
                f"in reserve in queue {queue}: {n - 1} stay free (policy keeps {self.keep})"
            )
        if held:
            texts.append(f"{plural(held, 'eligible agent')} {self.kept_text(queue)}")
        return tuple(texts)


def kept_free(agent: AgentSnapshot, reserve: Reserve) -> str | None:
    """Why an agent in reserve got no "next case" below emergency, or ``None`` if not held.

    ``reserve``: counted over the whole floor, the agent included (``RoutingPolicy.reserve``).
    """
    held = sorted(q for q in agent.queue_ids if reserve.holds(agent, q))
    if not held:
        return None
    return f"{agent.name} is {reserve.kept_text(held[0])}: only emergencies are offered"


class Hold:
    """Agents held for a waiting emergency during one decision: agent -> the emergency.

    Built from the emergencies left waiting, most urgent first, each with the agents who could
    take it once free; an agent is held for the first of them. Fixed for the decision: work
    below emergency never frees an agent or ends an emergency's wait.
    """

    __slots__ = ("_for",)

    def __init__(self, waiting: Iterable[tuple[CaseId, Iterable[AgentSnapshot]]], skill: str):
        self._for: dict[AgentId, CaseId] = {}
        for case_id, agents in waiting:
            for agent in agents:
                if skill in agent.skills:
                    self._for.setdefault(agent.agent_id, case_id)

    def __bool__(self) -> bool:
        return bool(self._for)

    def holds(self, agent: AgentSnapshot) -> bool:
        return agent.agent_id in self._for

    def text(self, agent: AgentSnapshot) -> str | None:
        """``held for the emergency lane: emergency KS-000012 is waiting``, or ``None``."""
        case_id = self._for.get(agent.agent_id)
        if case_id is None:
            return None
        return held_text(case_id)

    def reasons(self, held: list[AgentSnapshot]) -> tuple[str, ...]:
        """For an assignment of work below emergency that skipped ``held`` agents."""
        if not held:
            return ()
        first = self._for[held[0].agent_id]
        return (f"{plural(len(held), 'eligible agent')} {held_text(first)}",)


def held_text(case_id: CaseId) -> str:
    return f"held for the emergency lane: emergency {format_reference(case_id)} is waiting"
