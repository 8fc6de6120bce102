"""Sign in and out, who am I, and the second factor (TOTP)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response, status

from klantenservice.domain.errors import ValidationError
from klantenservice.services import auth
from klantenservice.web.deps import SESSION_COOKIE, Context, Creds, CurrentActor, Now, Token, Uow
from klantenservice.web.schemas.auth import (
    ActorOut,
    LoginIn,
    LoginOut,
    TotpEnableIn,
    TotpSetupOut,
)

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
def login(body: LoginIn, response: Response, uow: Uow, now: Now, context: Context) -> LoginOut:
    """Check e-mail, password and (when enabled) the TOTP code; start a session.

    The token is returned and also set as an httpOnly cookie for browsers.
    """
    hours = context.settings.session_hours
    token, actor = auth.login(
        uow(),
        email=body.email,
        password=body.password,
        totp_code=body.totp_code,
        now=now,
        credentials=context.credentials,
        session_hours=hours,
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=hours * 3600,
        httponly=True,
        secure=context.settings.environment == "production",
        samesite="strict",
        path="/",
    )
    return LoginOut(token=token, expires_at=now + timedelta(hours=hours), user=ActorOut.of(actor))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    actor: CurrentActor, token: Token, uow: Uow, now: Now, credentials: Creds, response: Response
) -> None:
    """End this session (API tokens are revoked by an administrator instead)."""
    if actor.kind != "user":
        raise ValidationError("API tokens do not log out; an administrator revokes them")
    auth.logout(uow(), actor=actor, token=token, now=now, credentials=credentials)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me")
async def me(actor: CurrentActor) -> ActorOut:
    return ActorOut.of(actor)


@router.post("/totp/setup")
async def totp_setup(actor: CurrentActor, credentials: Creds) -> TotpSetupOut:
    """A new secret to enrol in an authenticator app; nothing is stored until ``enable``."""
    if actor.kind != "user":
        raise ValidationError("only staff users have a second factor")
    secret = credentials.new_totp_secret()
    return TotpSetupOut(secret=secret, uri=credentials.totp_uri(secret, account=actor.name))


@router.post("/totp/enable", status_code=status.HTTP_204_NO_CONTENT)
def totp_enable(
    body: TotpEnableIn, actor: CurrentActor, uow: Uow, now: Now, credentials: Creds
) -> None:
    """Store the secret once a code from the app proves it was enrolled correctly."""
    auth.enable_totp(
        uow(), actor=actor, secret=body.secret, code=body.code, now=now, credentials=credentials
    )
