"""Staff accounts, sessions, API tokens and the optional second factor.

Tokens are random and stored only as sha256 digests; the raw token is returned once. Failed
logins do not say whether the e-mail exists. Every login, logout and token change is audited.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from klantenservice.domain.agents import Agent
from klantenservice.domain.errors import AuthenticationFailed, Conflict, ValidationError
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import Role, UserId
from klantenservice.services import access
from klantenservice.services.ports import Actor, Credentials, StaffUser, UnitOfWork

BAD_LOGIN = "e-mail, password or second-factor code is wrong"


def _actor_of(uow: UnitOfWork, user: StaffUser) -> Actor:
    agent = uow.agents.by_user(user.id)
    return Actor(
        kind="user",
        id=user.id,
        roles=user.roles,
        agent_id=None if agent is None else agent.id,
        name=user.name,
    )


def create_staff_user(
    uow: UnitOfWork,
    *,
    actor: Actor,
    email: str,
    name: str,
    password: str,
    roles: frozenset[Role],
    now: datetime,
    credentials: Credentials,
    agent: Agent | None = None,
) -> StaffUser:
    """A staff account, optionally with its agent profile (skills, languages, capacity)."""
    access.check(actor, Permission.STAFF_MANAGE)
    if not roles or Role.INTEGRATION in roles:
        raise ValidationError("a staff account needs at least one staff role (not integration)")
    password_hash = credentials.hash_password(password, personal=(email, name))
    with uow:
        email = email.strip().lower()
        if uow.staff.user_by_email(email) is not None:
            raise Conflict(f"a staff account for {email} already exists")
        user = uow.staff.add_user(
            email=email, name=name, password_hash=password_hash, roles=roles, at=now
        )
        if agent is not None:
            uow.agents.add(replace(agent, user_id=user.id, name=agent.name or name))
        uow.audit.record(
            actor=actor,
            action="staff.created",
            subject_type="user",
            subject_id=user.id,
            at=now,
            details={"roles": sorted(roles)},
        )
        uow.commit()
        return user


def login(
    uow: UnitOfWork,
    *,
    email: str,
    password: str,
    totp_code: str | None,
    now: datetime,
    credentials: Credentials,
    session_hours: int,
) -> tuple[str, Actor]:
    """Check password (and code when the account has a second factor); return a session token."""
    with uow:
        user = uow.staff.user_by_email(email.strip().lower())
        stored = user.password_hash if user is not None and user.active else None
        ok = credentials.verify_password(stored, password)
        if ok and user is not None and user.totp_secret:
            ok = bool(totp_code) and credentials.verify_totp(
                user.totp_secret, totp_code or "", at=now
            )
        if not ok or user is None:
            raise AuthenticationFailed(BAD_LOGIN)
        token, digest = credentials.issue_session_token()
        uow.staff.add_session(
            user_id=user.id, digest=digest, at=now, expires=now + timedelta(hours=session_hours)
        )
        actor = _actor_of(uow, user)
        uow.audit.record(
            actor=actor,
            action="staff.logged_in",
            subject_type="user",
            subject_id=user.id,
            at=now,
            details={"second_factor": bool(user.totp_secret)},
        )
        uow.commit()
        return token, actor


def logout(
    uow: UnitOfWork, *, actor: Actor, token: str, now: datetime, credentials: Credentials
) -> None:
    with uow:
        uow.staff.revoke_session(credentials.digest(token), at=now)
        uow.audit.record(
            actor=actor, action="staff.logged_out", subject_type="user", subject_id=actor.id, at=now
        )
        uow.commit()


def authenticate(uow: UnitOfWork, *, token: str, now: datetime, credentials: Credentials) -> Actor:
    """The actor behind a session token or an API token (``ks_...``, looked up first)."""
    with uow:
        return actor_for_token(uow, token=token, now=now, credentials=credentials)


def actor_for_token(
    uow: UnitOfWork, *, token: str, now: datetime, credentials: Credentials
) -> Actor:
    """``authenticate`` inside a unit of work the caller already opened (batched intake)."""
    digest = credentials.digest(token)
    if credentials.is_api_token(token):
        found = uow.staff.token_roles(digest)
        if found is not None:
            token_id, name, roles = found
            return Actor(kind="token", id=token_id, roles=roles, name=name)
    else:
        user = uow.staff.session_user(digest, at=now)
        if user is not None:
            return _actor_of(uow, user)
    raise AuthenticationFailed("the session has expired or the token is not valid; log in again")


def create_api_token(
    uow: UnitOfWork,
    *,
    actor: Actor,
    name: str,
    roles: frozenset[Role],
    now: datetime,
    credentials: Credentials,
) -> tuple[int, str]:
    """A token for an integration; the raw token is returned once and never stored."""
    access.check(actor, Permission.TOKEN_MANAGE)
    if not name.strip() or len(name) > 100:
        raise ValidationError("token name must be 1..100 characters")
    if not roles:
        raise ValidationError("a token needs at least one role, e.g. integration")
    token, digest = credentials.issue_api_token()
    with uow:
        creator = UserId(actor.id) if actor.kind == "user" and actor.id is not None else None
        token_id = uow.staff.add_token(
            name=name, digest=digest, roles=roles, created_by=creator, at=now
        )
        uow.audit.record(
            actor=actor,
            action="token.created",
            subject_type="token",
            subject_id=token_id,
            at=now,
            details={"roles": sorted(roles)},
        )
        uow.commit()
        return token_id, token


def enable_totp(
    uow: UnitOfWork,
    *,
    actor: Actor,
    secret: str,
    code: str,
    now: datetime,
    credentials: Credentials,
) -> None:
    """Turn on the second factor for the acting user after they prove the code works."""
    if actor.kind != "user" or actor.id is None:
        raise ValidationError("only staff users have a second factor")
    if not credentials.verify_totp(secret, code, at=now):
        raise ValidationError("the code does not match the secret; check the device's clock")
    with uow:
        uow.staff.set_totp(UserId(actor.id), secret)
        uow.audit.record(
            actor=actor,
            action="staff.totp_enabled",
            subject_type="user",
            subject_id=actor.id,
            at=now,
        )
        uow.commit()
