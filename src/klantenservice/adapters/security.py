"""Credentials: staff passwords (argon2id), second factor (TOTP) and opaque tokens.

Passwords are hashed with argon2id (argon2-cffi). The cost parameters are arguments of
``make_hasher`` so settings can raise them and tests can lower them (``fast_hasher``); a stored
hash records its own parameters, so ``needs_rehash`` tells the login service to re-hash after
a successful login when the parameters have been raised. ``verify_password`` answers ``False``
for a wrong password or an unreadable hash and never raises; given ``None`` (unknown e-mail
address) it still spends the time of one verification, so response times do not reveal which
addresses have an account.

The second factor is TOTP (RFC 6238: 6 digits, 30-second steps, SHA-1, what authenticator apps
expect). A code is accepted for the current step and one step either side (clock drift).
The time is always an argument: this module never reads the wall clock. ``match_totp_step``
returns the step that matched so the caller can store it and refuse the same code twice.

Sessions and API tokens are 256-bit random strings (``secrets.token_urlsafe(32)``) handed to the
client once; only their sha256 digest (``token_digest``) is stored, so a copy of the database
does not let anyone log in. The tokens are random, so a plain, unsalted digest is enough. API
tokens start with ``ks_`` so a leaked one is recognisable by people and by secret scanners.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from klantenservice.domain.errors import ValidationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # long enough for any passphrase; bounds the hashing work
TOTP_ISSUER = "Klantenservice"
TOTP_DIGITS = 6
TOTP_INTERVAL = 30
TOTP_VALID_WINDOW = 1
TOKEN_BYTES = 32
API_TOKEN_PREFIX = "ks_"  # noqa: S105 - a public prefix, not a secret

# --- passwords ----------------------------------------------------------------------------


def make_hasher(
    *, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 4
) -> PasswordHasher:
    """An argon2id hasher; the defaults are RFC 9106's second recommendation (64 MiB, t=3)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


@cache
def default_hasher() -> PasswordHasher:
    """The production hasher with default parameters, built on first use."""
    return make_hasher()


def fast_hasher() -> PasswordHasher:
    """FOR TESTS ONLY: argon2id at minimal cost (8 KiB, one pass), about a millisecond a hash.

    Never use it for real accounts: it makes offline guessing of stolen hashes cheap.
    """
    return make_hasher(time_cost=1, memory_cost=8, parallelism=1)


def check_password_policy(password: str, *, personal: tuple[str, ...] = ()) -> None:
    """Raise ``ValidationError`` unless ``password`` is acceptable for a staff account.

    Length is what counts (NIST SP 800-63B §5.1.1): at least 12 characters, no composition
    rules. ``personal`` holds the user's e-mail address and name, which may not be in it.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD_LENGTH}"
            " (a few words make a good passphrase)"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise ValidationError("the password may not consist of spaces only")
    lowered = password.lower()
    for item in personal:
        if len(item) >= 4 and item.lower() in lowered:
            raise ValidationError("the password may not contain your e-mail address or name")


def hash_password(
    password: str, *, hasher: PasswordHasher | None = None, personal: tuple[str, ...] = ()
) -> str:
    """Check the policy, then hash; the result carries its own salt and parameters."""
    check_password_policy(password, personal=personal)
    return (hasher or default_hasher()).hash(password)


def verify_password(
    stored_hash: str | None, password: str, *, hasher: PasswordHasher | None = None
) -> bool:
    """``True`` only if ``password`` matches; never raises on a wrong password or bad hash.

    Pass ``None`` when the account does not exist: the same work is done and ``False`` returned.
    """
    chosen = hasher or default_hasher()
    target = stored_hash if stored_hash is not None else _dummy_hash(chosen)
    try:
        matched = chosen.verify(target, password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored_hash is not None


def needs_rehash(stored_hash: str, *, hasher: PasswordHasher | None = None) -> bool:
    """Whether ``stored_hash`` used other parameters than ``hasher`` (or cannot be read)."""
    try:
        return (hasher or default_hasher()).check_needs_rehash(stored_hash)
    except (InvalidHashError, ValueError):
        return True


def _dummy_hash(hasher: PasswordHasher) -> str:
    return _dummy_hash_for(hasher.time_cost, hasher.memory_cost, hasher.parallelism)


@cache
def _dummy_hash_for(time_cost: int, memory_cost: int, parallelism: int) -> str:
    hasher = make_hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash(secrets.token_urlsafe(16))


# --- second factor (TOTP) -----------------------------------------------------------------


def new_totp_secret() -> str:
    """A fresh base32 secret (160 bits) to enrol an authenticator app."""
    return pyotp.random_base32()


def totp_provisioning_uri(secret: str, *, account: str, issuer: str = TOTP_ISSUER) -> str:
    """The ``otpauth://`` URI shown as a QR code during enrolment."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)


def totp_code(secret: str, *, at: datetime) -> str:
    """The code an authenticator app shows at ``at`` (for tests and enrolment checks)."""
    return _totp(secret).generate_otp(_step(at))


def match_totp_step(
    secret: str,
    code: str,
    *,
    at: datetime,
    after_step: int | None = None,
    valid_window: int = TOTP_VALID_WINDOW,
) -> int | None:
    """The time step ``code`` belongs to, if it is valid at ``at``; otherwise ``None``.

    Steps at or before ``after_step`` (the last step this user logged in with) are refused, so
    a code that was seen once (over a shoulder, in a phishing proxy) cannot be used again.
    """
    candidate = "".join(code.split())
    if len(candidate) != TOTP_DIGITS or not candidate.isdigit():
        return None
    totp, current = _totp(secret), _step(at)
    for step in range(current - valid_window, current + valid_window + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), candidate):
            return step
    return None


def verify_totp(
    secret: str, code: str, *, at: datetime, valid_window: int = TOTP_VALID_WINDOW
) -> bool:
    """Whether ``code`` is valid at ``at``, allowing ``valid_window`` steps of clock drift."""
    return match_totp_step(secret, code, at=at, valid_window=valid_window) is not None


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_INTERVAL)


def _step(at: datetime) -> int:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("TOTP needs a time-zone aware time; pass the clock's now")
    return int(at.timestamp()) // TOTP_INTERVAL


# --- session and API tokens ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` goes to the client once, ``digest`` into the database."""

    secret: str = field(repr=False)
    digest: str


def token_digest(token: str) -> str:
    """The sha256 hex digest under which a session or API token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_session_token() -> IssuedToken:
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    return IssuedToken(secret=secret, digest=token_digest(secret))


def issue_api_token() -> IssuedToken:
    """An API token for an integration: ``ks_`` followed by 43 URL-safe characters."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    return IssuedToken(secret=secret, digest=token_digest(secret))


def looks_like_api_token(value: str) -> bool:
    """Whether ``value`` has the shape of one of our API tokens (for log scrubbing, scanners)."""
    return value.startswith(API_TOKEN_PREFIX) and len(value) == len(API_TOKEN_PREFIX) + 43


__all__ = [
    "API_TOKEN_PREFIX",
    "MIN_PASSWORD_LENGTH",
    "IssuedToken",
    "check_password_policy",
    "default_hasher",
    "fast_hasher",
    "hash_password",
    "issue_api_token",
    "issue_session_token",
    "looks_like_api_token",
    "make_hasher",
    "match_totp_step",
    "needs_rehash",
    "new_totp_secret",
    "token_digest",
    "totp_code",
    "totp_provisioning_uri",
    "verify_password",
    "verify_totp",
]
