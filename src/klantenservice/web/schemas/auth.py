"""Sign-in, the current actor and the second factor."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from klantenservice.services.ports import Actor
from klantenservice.web.schemas.common import RequestModel, ResponseModel


class LoginIn(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1024)
    totp_code: str | None = Field(default=None, max_length=10)


class ActorOut(ResponseModel):
    kind: str
    id: int | None
    name: str
    roles: list[str]
    agent_id: int | None

    @classmethod
    def of(cls, actor: Actor) -> ActorOut:
        return cls(
            kind=actor.kind,
            id=actor.id,
            name=actor.name,
            roles=sorted(actor.roles),
            agent_id=actor.agent_id,
        )


class LoginOut(ResponseModel):
    token: str
    expires_at: datetime
    user: ActorOut


class TotpSetupOut(ResponseModel):
    """A new secret to show as a QR code; it is stored only once confirmed by ``enable``."""

    secret: str
    uri: str


class TotpEnableIn(RequestModel):
    secret: str = Field(min_length=16, max_length=64)
    code: str = Field(min_length=6, max_length=10)
