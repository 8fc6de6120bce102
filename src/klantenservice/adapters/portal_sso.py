"""The bank's sign-in assertion for the customer portal: a JWT signed with Ed25519 (EdDSA).

Checking (``Ed25519AssertionVerifier``, the ``AssertionVerifier`` port of
``services/portal_auth.py``), with PyJWT:

- only ``EdDSA`` is accepted: a token with ``alg: none``, or an ``HS256`` token "signed" with
  the public key as an HMAC secret (the classic algorithm-confusion attack), is refused;
- the key is chosen by the token's ``kid`` among the configured public keys (several during a
  key rotation); without ``kid`` only when exactly one key is configured;
- ``iss`` must be the bank, ``aud`` this portal; ``sub``, ``jti``, ``iat``, ``exp``, ``acr`` and
  ``nonce`` must be present. The times are *not* judged here but by
  ``domain/portal_sign_in.check_assertion`` against the application's clock, so one clock
  decides (and tests can fix it).

Why Ed25519 and not HS256 with a shared secret (docs/subsystems/portal.md): the portal holds
only the bank's *public* key, so nothing in our configuration, backups or logs can mint a
sign-in; a shared HMAC secret would let anyone who reads our settings sign in as any customer.
Ed25519 keys are small (32 bytes), signatures deterministic (no nonce to get wrong), and
verification is fast.

Minting (``AssertionSigner``) is what the bank does; here it serves the demo identity
provider (the demo sign-in page, never in production: ``settings.py``) and the tests. The demo
key is derived from ``KS_SECRET_KEY``, so every process of one demo agrees on it.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from klantenservice.domain.customers import VerificationLevel
from klantenservice.domain.errors import AuthenticationFailed, ValidationError
from klantenservice.domain.portal_sign_in import SignInAssertion, parse_level

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ("iss", "aud", "sub", "jti", "iat", "exp", "acr", "nonce")
MAX_TOKEN_LENGTH = 4096
DEMO_KEY_ID = "demo"
DEMO_LIFETIME = timedelta(minutes=2)


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A public key as the raw 32 bytes in base64url (a JWK's ``x``), padding optional."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as error:
        raise ValueError(
            f"not an Ed25519 public key (32 bytes, base64url): {text[:12]!r}…"
        ) from error


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Ed25519AssertionVerifier:
    """Checks signature, issuer, audience and the claims' presence; returns the assertion."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey], *, issuer: str, audience: str):
        self._keys = dict(keys)
        self._issuer = issuer
        self._audience = audience

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def verify(self, token: str) -> SignInAssertion:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed(
                f"the sign-in assertion is missing or longer than {MAX_TOKEN_LENGTH} characters"
            )
        try:
            claims = jwt.decode(
                token,
                self._key_for(token),
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,  # judged by domain/portal_sign_in with our clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidTokenError as error:
            raise AuthenticationFailed(_explain(error)) from None
        return _assertion(claims)

    def _key_for(self, token: str) -> Ed25519PublicKey:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise AuthenticationFailed("the sign-in assertion is not a JWT") from None
        kid = header.get("kid")
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise AuthenticationFailed(
                "the sign-in assertion names no key (kid) this portal knows; check the "
                "bank's key configuration (KS_PORTAL_SSO_KEYS)"
            )
        return key


def _explain(error: jwt.InvalidTokenError) -> str:
    if isinstance(error, jwt.InvalidSignatureError):
        return "the sign-in assertion's signature does not verify"
    if isinstance(error, jwt.InvalidAlgorithmError):
        return f"the sign-in assertion must be signed with {ALGORITHM}"
    if isinstance(error, jwt.InvalidIssuerError):
        return "the sign-in assertion was not issued by the bank this portal trusts"
    if isinstance(error, jwt.InvalidAudienceError):
        return "the sign-in assertion is meant for another service (aud)"
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the sign-in assertion lacks the claim {error.claim!r}"
    return "the sign-in assertion is not a valid signed token"


def _instant(claims: Mapping[str, Any], name: str) -> datetime:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthenticationFailed(f"the assertion's {name!r} must be a number (Unix time)")
    return datetime.fromtimestamp(value, tz=UTC)


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str):
        raise AuthenticationFailed(f"the assertion's {name!r} must be a string")
    return value


def _assertion(claims: Mapping[str, Any]) -> SignInAssertion:
    try:
        level = parse_level(_text(claims, "acr"))
    except ValidationError as error:
        raise AuthenticationFailed(f"the assertion's acr: {error.message}") from None
    return SignInAssertion(
        subject=_text(claims, "sub"),
        level=level,
        assertion_id=_text(claims, "jti"),
        issued_at=_instant(claims, "iat"),
        expires_at=_instant(claims, "exp"),
        nonce=_text(claims, "nonce"),
    )


class AssertionSigner:
    """Mints assertions as the bank's online banking would (demo and tests only)."""

    def __init__(
        self, private_key: Ed25519PrivateKey, *, key_id: str, issuer: str, audience: str
    ) -> None:
        self._key = private_key
        self.key_id = key_id
        self._issuer = issuer
        self._audience = audience

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def mint(
        self,
        *,
        subject: str,
        level: VerificationLevel,
        nonce: str,
        now: datetime,
        lifetime: timedelta = DEMO_LIFETIME,
        assertion_id: str | None = None,
        **extra: Any,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "jti": assertion_id or secrets.token_urlsafe(18),
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
            "acr": level.name.lower(),
            "nonce": nonce,
            **extra,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.key_id})


def demo_signer(secret: str, *, issuer: str, audience: str) -> AssertionSigner:
    """The demo identity provider's key, derived from ``KS_SECRET_KEY`` (same in every process)."""
    seed = hashlib.sha256(b"klantenservice portal demo idp\x00" + secret.encode()).digest()
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return AssertionSigner(key, key_id=DEMO_KEY_ID, issuer=issuer, audience=audience)
