"""Staff users, sessions and API tokens. Only sha256 digests of tokens are stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, update

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import api_tokens, sessions, users
from klantenservice.domain.vocabulary import Role, UserId
from klantenservice.services.ports import StaffUser


def _user(row: Row[Any]) -> StaffUser:
    return StaffUser(
        id=UserId(row.id),
        email=row.email,
        name=row.name,
        password_hash=row.password_hash,
        roles=frozenset(Role(r) for r in row.roles),
        totp_secret=row.totp_secret,
        active=row.active,
    )


# checked once per intake batch (services/inbound.py), so prepared like the intake's own
_TOKEN = Prepared(
    select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.roles).where(
        api_tokens.c.token_digest == bindparam("digest"), api_tokens.c.revoked_at.is_(None)
    )
)


class SqlStaff:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_user(
        self, *, email: str, name: str, password_hash: str, roles: frozenset[Role], at: datetime
    ) -> StaffUser:
        result = self._c.execute(
            insert(users).values(
                email=email,
                name=name,
                password_hash=password_hash,
                roles=sorted(roles),
                active=True,
                created_at=at,
            )
        )
        return self.user(UserId(result.inserted_primary_key[0]))  # type: ignore[index,return-value]

    def user_by_email(self, email: str) -> StaffUser | None:
        row = self._c.execute(select(users).where(users.c.email == email)).first()
        return None if row is None else _user(row)

    def user(self, user_id: UserId) -> StaffUser | None:
        row = self._c.execute(select(users).where(users.c.id == user_id)).first()
        return None if row is None else _user(row)

    def users(self) -> list[StaffUser]:
        return [_user(r) for r in self._c.execute(select(users).order_by(users.c.id))]

    def set_totp(self, user_id: UserId, secret: str | None) -> None:
        self._c.execute(update(users).where(users.c.id == user_id).values(totp_secret=secret))

    def add_session(self, *, user_id: UserId, digest: str, at: datetime, expires: datetime) -> None:
        self._c.execute(
            insert(sessions).values(
                user_id=user_id, token_digest=digest, created_at=at, expires_at=expires
            )
        )

    def session_user(self, digest: str, *, at: datetime) -> StaffUser | None:
        row = self._c.execute(
            select(users)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(
                sessions.c.token_digest == digest,
                sessions.c.expires_at > at,
                sessions.c.revoked_at.is_(None),
                users.c.active.is_(True),
            )
        ).first()
        return None if row is None else _user(row)

    def revoke_session(self, digest: str, *, at: datetime) -> None:
        self._c.execute(
            update(sessions).where(sessions.c.token_digest == digest).values(revoked_at=at)
        )

    def add_token(
        self,
        *,
        name: str,
        digest: str,
        roles: frozenset[Role],
        created_by: UserId | None,
        at: datetime,
    ) -> int:
        result = self._c.execute(
            insert(api_tokens).values(
                name=name,
                token_digest=digest,
                roles=sorted(roles),
                created_by=created_by,
                created_at=at,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def token_roles(self, digest: str) -> tuple[int, str, frozenset[Role]] | None:
        row = _TOKEN.first(self._c, {"digest": digest})
        if row is None:
            return None
        return int(row.id), row.name, frozenset(Role(r) for r in row.roles)

    def revoke_token(self, token_id: int, *, at: datetime) -> bool:
        result = self._c.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return result.rowcount == 1
