"""Administration: staff accounts, API tokens, teams, queues, calendars, policies, skills.

Every endpoint needs ``staff_manage`` (tokens: ``token_manage``), checked by the services.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from klantenservice.services import auth, directory, queries
from klantenservice.web.deps import Creds, CurrentActor, Now, Uow
from klantenservice.web.schemas.admin import (
    CalendarIn,
    CalendarOut,
    PolicyIn,
    PolicyOut,
    QueueIn,
    QueueOut,
    SkillIn,
    SkillOut,
    TeamIn,
    TeamOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
)

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(
    body: UserIn, actor: CurrentActor, uow: Uow, now: Now, credentials: Creds
) -> UserOut:
    """A staff account (password policy: 12+ characters), optionally with an agent profile."""
    agent = None if body.agent is None else body.agent.to_domain(default_name=body.name)
    user = auth.create_staff_user(
        uow(),
        actor=actor,
        email=body.email,
        name=body.name,
        password=body.password,
        roles=frozenset(body.roles),
        now=now,
        credentials=credentials,
        agent=agent,
    )
    profile = None
    if agent is not None:
        profile = queries.agent_of_user(uow(read_only=True), actor=actor, user_id=user.id)
    return UserOut.of(user, agent_id=None if profile is None else profile.id)


@router.post("/tokens", status_code=status.HTTP_201_CREATED)
def create_token(
    body: TokenIn, actor: CurrentActor, uow: Uow, now: Now, credentials: Creds
) -> TokenOut:
    """An API token for an integration; the token is in this answer only."""
    token_id, token = auth.create_api_token(
        uow(),
        actor=actor,
        name=body.name,
        roles=frozenset(body.roles),
        now=now,
        credentials=credentials,
    )
    return TokenOut(id=token_id, token=token)


@router.post("/teams", status_code=status.HTTP_201_CREATED)
def create_team(body: TeamIn, actor: CurrentActor, uow: Uow, now: Now) -> TeamOut:
    team = directory.create_team(uow(), actor=actor, name=body.name, now=now)
    assert team.id is not None
    return TeamOut(id=team.id, name=team.name)


@router.post("/queues", status_code=status.HTTP_201_CREATED)
def create_queue(body: QueueIn, actor: CurrentActor, uow: Uow, now: Now) -> QueueOut:
    """A queue; its calendar (created first) decides when promise clocks run."""
    queue = directory.create_queue(uow(), actor=actor, queue=body.to_domain(), now=now)
    return QueueOut.of(queue)


CalendarName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[\w.-]+$")]


@router.put("/calendars/{name}")
def put_calendar(
    name: CalendarName, body: CalendarIn, actor: CurrentActor, uow: Uow, now: Now
) -> CalendarOut:
    """Create or replace a business calendar: weekly hours, time zone, public holidays."""
    directory.put_calendar(uow(), actor=actor, name=name, definition=body.definition(), now=now)
    return CalendarOut(name=name, **body.model_dump())


@router.post("/promise-policies", status_code=status.HTTP_201_CREATED)
def add_policy(body: PolicyIn, actor: CurrentActor, uow: Uow, now: Now) -> PolicyOut:
    """A service promise: targets for the cases matching channel, priority and segment."""
    directory.add_promise_policy(uow(), actor=actor, policy=body.to_domain(), now=now)
    return PolicyOut(**body.model_dump())


@router.post("/skills", status_code=status.HTTP_201_CREATED)
def define_skill(body: SkillIn, actor: CurrentActor, uow: Uow, now: Now) -> SkillOut:
    name = directory.define_skill(uow(), actor=actor, name=body.name, kind=body.kind, now=now)
    return SkillOut(name=name, kind=body.kind)
