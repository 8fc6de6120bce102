"""The ``Credentials`` port implemented with argon2 and pyotp (``adapters/security.py``)."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher

from klantenservice.adapters import security


class Argon2Credentials:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or security.default_hasher()

    def hash_password(self, password: str, *, personal: tuple[str, ...] = ()) -> str:
        return security.hash_password(password, hasher=self._hasher, personal=personal)

    def verify_password(self, stored_hash: str | None, password: str) -> bool:
        return security.verify_password(stored_hash, password, hasher=self._hasher)

    def verify_totp(self, secret: str, code: str, *, at: datetime) -> bool:
        return security.verify_totp(secret, code, at=at)

    def new_totp_secret(self) -> str:
        return security.new_totp_secret()

    def totp_uri(self, secret: str, *, account: str) -> str:
        return security.totp_provisioning_uri(secret, account=account)

    def issue_session_token(self) -> tuple[str, str]:
        token = security.issue_session_token()
        return token.secret, token.digest

    def issue_api_token(self) -> tuple[str, str]:
        token = security.issue_api_token()
        return token.secret, token.digest

    def digest(self, token: str) -> str:
        return security.token_digest(token)

    def is_api_token(self, token: str) -> bool:
        return security.looks_like_api_token(token)
