"""Agents: the roster and presence (available, away, offline)."""

from __future__ import annotations

from fastapi import APIRouter

from klantenservice.domain.vocabulary import AgentId
from klantenservice.services import directory, queries
from klantenservice.web.deps import CurrentActor, Now, Uow
from klantenservice.web.schemas.agents import AgentOut, PresenceIn, PresenceOut

router = APIRouter(prefix="/agents", tags=["agents"])


@router.get("")
def list_agents(actor: CurrentActor, uow: Uow) -> list[AgentOut]:
    return [AgentOut.of(a) for a in queries.list_agents(uow(read_only=True), actor=actor)]


@router.post("/{agent_id}/presence")
def set_presence(
    agent_id: int, body: PresenceIn, actor: CurrentActor, uow: Uow, now: Now
) -> PresenceOut:
    """Agents set their own presence; supervisors anyone's. Routing only offers work to
    available agents."""
    directory.set_presence(
        uow(), actor=actor, agent_id=AgentId(agent_id), presence=body.presence, now=now
    )
    return PresenceOut(agent_id=agent_id, presence=body.presence)
