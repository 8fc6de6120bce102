"""Agents, teams, queues and skills: who can do which work.

Skills are plain names of three kinds: languages (``nl``, ``en``), products (``mortgage``,
``investments``, ``cards``) and certifications (``fraud``): a certification is a licence to
handle a kind of case and is never relaxed by routing. Capacity is per channel ("3 chats or 1
call at once"); the routing policy says which channels are exclusive (a phone call).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import (
    AgentId,
    Channel,
    Presence,
    QueueId,
    TeamId,
    UserId,
)

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_CAPACITY = 50

DEFAULT_CAPACITY: Mapping[Channel, int] = {
    Channel.CHAT: 3,
    Channel.PHONE: 1,
    Channel.EMAIL: 5,
    Channel.WHATSAPP: 3,
    Channel.SMS: 3,
    Channel.WEB_FORM: 5,
    Channel.IN_PERSON: 1,
}


class SkillKind(StrEnum):
    LANGUAGE = "language"
    PRODUCT = "product"
    CERTIFICATION = "certification"


def skill_name(raw: str) -> str:
    name = raw.strip().lower()
    if not _NAME.match(name):
        raise ValidationError(
            f"skill name {raw!r} must be lower-case letters, digits, '-' or '_' (max 40)"
        )
    return name


@dataclass(frozen=True, slots=True)
class Skill:
    name: str
    kind: SkillKind

    def __post_init__(self) -> None:
        skill_name(self.name)


@dataclass(frozen=True, slots=True)
class Team:
    id: TeamId | None
    name: str


@dataclass(frozen=True, slots=True)
class Queue:
    """A line of waiting work; its calendar decides when promise clocks run."""

    id: QueueId | None
    name: str
    team_id: TeamId | None = None
    calendar: str = "office"
    required_skills: frozenset[str] = field(default_factory=frozenset)


def check_capacity(capacity: Mapping[Channel, int]) -> dict[Channel, int]:
    clean: dict[Channel, int] = {}
    for channel, amount in capacity.items():
        if channel is Channel.INTERNAL_NOTE:
            raise ValidationError("internal notes are not work: no capacity for that channel")
        if not 0 <= amount <= MAX_CAPACITY:
            raise ValidationError(
                f"capacity for {channel.value} must be 0..{MAX_CAPACITY}, got {amount}"
            )
        clean[channel] = amount
    return clean


@dataclass(frozen=True, slots=True)
class Agent:
    id: AgentId | None
    user_id: UserId | None
    name: str
    team_id: TeamId | None = None
    languages: frozenset[str] = frozenset({"nl"})
    skills: frozenset[str] = field(default_factory=frozenset)
    queue_ids: frozenset[QueueId] = field(default_factory=frozenset)
    capacity: Mapping[Channel, int] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    presence: Presence = Presence.OFFLINE

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("agent name is empty")
        if not self.languages:
            raise ValidationError("an agent speaks at least one language")
        check_capacity(self.capacity)
