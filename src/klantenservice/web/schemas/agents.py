"""Agents: the roster and presence."""

from __future__ import annotations

from klantenservice.domain.agents import Agent
from klantenservice.domain.vocabulary import Presence
from klantenservice.web.schemas.common import RequestModel, ResponseModel


class AgentOut(ResponseModel):
    id: int
    user_id: int | None
    name: str
    team_id: int | None
    languages: list[str]
    skills: list[str]
    queue_ids: list[int]
    capacity: dict[str, int]
    presence: Presence

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        assert agent.id is not None
        return cls(
            id=agent.id,
            user_id=agent.user_id,
            name=agent.name,
            team_id=agent.team_id,
            languages=sorted(agent.languages),
            skills=sorted(agent.skills),
            queue_ids=sorted(agent.queue_ids),
            capacity={channel.value: n for channel, n in agent.capacity.items()},
            presence=agent.presence,
        )


class PresenceIn(RequestModel):
    presence: Presence


class PresenceOut(ResponseModel):
    agent_id: int
    presence: Presence
