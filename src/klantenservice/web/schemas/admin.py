"""Administration: staff accounts, API tokens, teams, queues, calendars, policies, skills."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from klantenservice.domain.agents import DEFAULT_CAPACITY, Agent, Queue, SkillKind
from klantenservice.domain.promises import PromisePolicy
from klantenservice.domain.vocabulary import Channel, Presence, QueueId, Role, TeamId
from klantenservice.services.ports import StaffUser
from klantenservice.web.schemas.common import PriorityName, RequestModel, ResponseModel, priority_of

OFFICE_WEEK = [[("08:00", "20:00")]] * 5 + [[], []]


class AgentProfileIn(RequestModel):
    """The agent side of a staff account: what they can handle and how much at once."""

    name: str | None = Field(default=None, max_length=200, description="default: the user's")
    team_id: int | None = None
    languages: list[str] = Field(default_factory=lambda: ["nl"], min_length=1, max_length=10)
    skills: list[str] = Field(default_factory=list, max_length=50)
    queue_ids: list[int] = Field(default_factory=list, max_length=50)
    capacity: dict[Channel, int] | None = Field(default=None, description="default per channel")
    presence: Presence = Presence.OFFLINE

    def to_domain(self, *, default_name: str) -> Agent:
        return Agent(
            id=None,
            user_id=None,
            name=self.name or default_name,
            team_id=None if self.team_id is None else TeamId(self.team_id),
            languages=frozenset(self.languages),
            skills=frozenset(self.skills),
            queue_ids=frozenset(QueueId(q) for q in self.queue_ids),
            capacity=dict(DEFAULT_CAPACITY if self.capacity is None else self.capacity),
            presence=self.presence,
        )


class UserIn(RequestModel):
    email: str = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)
    roles: list[Role] = Field(min_length=1)
    agent: AgentProfileIn | None = None


class UserOut(ResponseModel):
    id: int
    email: str
    name: str
    roles: list[str]
    second_factor: bool
    agent_id: int | None

    @classmethod
    def of(cls, user: StaffUser, agent_id: int | None) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            roles=sorted(user.roles),
            second_factor=user.totp_secret is not None,
            agent_id=agent_id,
        )


class TokenIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(default_factory=lambda: [Role.INTEGRATION], min_length=1)


class TokenOut(ResponseModel):
    """The raw token is shown this once; only its digest is stored."""

    id: int
    token: str


class TeamIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)


class TeamOut(ResponseModel):
    id: int
    name: str


class QueueIn(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    team_id: int | None = None
    calendar: str = Field(default="office", min_length=1, max_length=100)
    required_skills: list[str] = Field(default_factory=list, max_length=20)

    def to_domain(self) -> Queue:
        return Queue(
            id=None,
            name=self.name,
            team_id=None if self.team_id is None else TeamId(self.team_id),
            calendar=self.calendar,
            required_skills=frozenset(self.required_skills),
        )


class QueueOut(ResponseModel):
    id: int
    name: str
    team_id: int | None
    calendar: str
    required_skills: list[str]

    @classmethod
    def of(cls, queue: Queue) -> QueueOut:
        assert queue.id is not None
        return cls(
            id=queue.id,
            name=queue.name,
            team_id=queue.team_id,
            calendar=queue.calendar,
            required_skills=sorted(queue.required_skills),
        )


class CalendarIn(RequestModel):
    """Opening hours per weekday (Monday first, 7 lists of ``["08:00", "17:00"]`` pairs)."""

    timezone: str = Field(default="Europe/Amsterdam", max_length=64)
    weekly_hours: list[list[tuple[str, str]]] = Field(
        default_factory=lambda: list(OFFICE_WEEK), min_length=7, max_length=7
    )
    holiday_country: str | None = Field(default="NL", max_length=2, description="null: none")
    holiday_subdivision: str | None = Field(default=None, max_length=10)

    def definition(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "weekly_hours": [[list(pair) for pair in day] for day in self.weekly_hours],
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
        }


class CalendarOut(CalendarIn):
    name: str


class PolicyIn(RequestModel):
    """Targets in working seconds; the most specific policy matching a case applies."""

    name: str = Field(min_length=1, max_length=100)
    calendar: str = Field(min_length=1, max_length=100)
    channel: Channel | None = None
    priority: PriorityName | None = None
    segment: str | None = Field(default=None, max_length=40)
    first_response_seconds: int | None = Field(default=None, gt=0)
    next_response_seconds: int | None = Field(default=None, gt=0)
    resolution_seconds: int | None = Field(default=None, gt=0)
    warn_at: float = Field(default=0.8, gt=0, lt=1)

    def to_domain(self) -> PromisePolicy:
        def span(seconds: int | None) -> timedelta | None:
            return None if seconds is None else timedelta(seconds=seconds)

        return PromisePolicy(
            name=self.name,
            calendar=self.calendar,
            channel=self.channel,
            priority=None if self.priority is None else priority_of(self.priority),
            segment=self.segment,
            first_response=span(self.first_response_seconds),
            next_response=span(self.next_response_seconds),
            resolution=span(self.resolution_seconds),
            warn_at=self.warn_at,
        )


class PolicyOut(PolicyIn):
    pass


class SkillIn(RequestModel):
    name: str = Field(min_length=1, max_length=40)
    kind: SkillKind


class SkillOut(ResponseModel):
    name: str
    kind: SkillKind
