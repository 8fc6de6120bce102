"""Signing in to the customer portal: the rules for the bank's assertion and the session.

A bank's portal has no passwords of its own. The customer signs in to the bank's online
banking (the identity provider, IdP), which hands the portal a short-lived signed assertion:
"this is customer REL-0400037, verified at level *authenticated*, for this sign-in request".
``adapters/portal_sso.py`` checks the signature, issuer and audience and turns the token into a
``SignInAssertion``; the rules that need the time, the request or the portal's policy are here,
as plain values, so each is tested without a clock or a key:

- **fresh**: issued no later than ``CLOCK_SKEW`` from now, not expired (with the same grace),
  and valid for at most ``MAX_ASSERTION_LIFETIME`` in all: a long-lived "assertion" would be
  a bearer token that anyone who saw it could use later (browser history, proxy logs);
- **for this browser**: its ``nonce`` is the one the portal gave this browser when it sent the
  customer to the bank (``nonce_for``), so nobody can sign a victim in to the attacker's own
  account with an assertion the attacker obtained for themselves (login CSRF);
- **strong enough**: its verification level (``VerificationLevel``, ``domain/customers.py``)
  meets the portal's required level (default ``authenticated``);
- **single use** (the store's part): its id (``jti``) is kept until it expires, a second use is
  refused (``services/portal_auth.py``).

A portal session then lasts ``PortalPolicy.session_length`` from sign-in (absolute, not
sliding: a shared computer left signed in ends on its own), and ends at sign-out.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.customers import VerificationLevel
from klantenservice.domain.errors import AuthenticationFailed, PermissionDenied, ValidationError
from klantenservice.domain.vocabulary import CustomerId

MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
CLOCK_SKEW = timedelta(seconds=30)
MAX_ASSERTION_ID_LENGTH = 128
MAX_SUBJECT_LENGTH = 64  # customers.external_ref


class NotVerifiedEnough(PermissionDenied):
    """The bank verified the identity below the portal's required level (403)."""

    code = "verification_too_low"


class UnknownCustomer(PermissionDenied):
    """The bank's customer has no record in customer service (403)."""

    code = "unknown_customer"


LEVEL_NAMES: dict[str, VerificationLevel] = {
    level.name.lower(): level for level in VerificationLevel
}
"""The names an assertion uses for a level (its ``acr`` claim): none, contact, authenticated,
strong."""


def parse_level(name: str) -> VerificationLevel:
    level = LEVEL_NAMES.get(name.strip().lower())
    if level is None:
        allowed = ", ".join(LEVEL_NAMES)
        raise ValidationError(f"verification level {name!r} is not one of: {allowed}")
    return level


@dataclass(frozen=True, slots=True)
class PortalPolicy:
    """What the bank requires of a portal sign-in (from the settings ``KS_PORTAL_*``)."""

    required_level: VerificationLevel = VerificationLevel.AUTHENTICATED
    session_length: timedelta = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class SignInAssertion:
    """What the bank asserts, after the adapter checked signature, issuer and audience."""

    subject: str  # the bank's customer reference: ``customers.external_ref``
    level: VerificationLevel
    assertion_id: str  # ``jti``: unique per assertion, remembered to refuse a replay
    issued_at: datetime
    expires_at: datetime
    nonce: str  # echoes ``nonce_for(<this browser's sign-in cookie>)``

    def __post_init__(self) -> None:
        if not self.subject or len(self.subject) > MAX_SUBJECT_LENGTH:
            raise AuthenticationFailed(
                f"the assertion's subject must be 1..{MAX_SUBJECT_LENGTH} characters"
            )
        if not self.assertion_id or len(self.assertion_id) > MAX_ASSERTION_ID_LENGTH:
            raise AuthenticationFailed(
                f"the assertion's id (jti) must be 1..{MAX_ASSERTION_ID_LENGTH} characters"
            )


@dataclass(frozen=True, slots=True)
class PortalSession:
    """A signed-in customer: who, how well verified, until when."""

    customer_id: CustomerId
    level: VerificationLevel
    created_at: datetime
    expires_at: datetime

    def is_valid_at(self, at: datetime) -> bool:
        return self.created_at <= at < self.expires_at


def nonce_for(browser_nonce: str, secret: str) -> str:
    """The nonce the bank must echo: an HMAC of the random value in this browser's cookie.

    The cookie's own value never leaves the browser and the server; the bank sees only its
    HMAC, which is useless without the cookie.
    """
    digest = hmac.new(secret.encode(), b"portal-sso\x00" + browser_nonce.encode(), hashlib.sha256)
    return digest.hexdigest()


def check_assertion(
    assertion: SignInAssertion,
    *,
    now: datetime,
    expected_nonce: str | None,
    policy: PortalPolicy,
) -> None:
    """Refuse an assertion that is stale, not for this browser, or not verified enough."""
    if assertion.expires_at <= assertion.issued_at:
        raise AuthenticationFailed("the assertion expires before it was issued")
    if assertion.expires_at - assertion.issued_at > MAX_ASSERTION_LIFETIME:
        minutes = int(MAX_ASSERTION_LIFETIME.total_seconds() // 60)
        raise AuthenticationFailed(f"the assertion is valid for more than {minutes} minutes")
    if assertion.issued_at > now + CLOCK_SKEW:
        raise AuthenticationFailed("the assertion was issued in the future; check the clocks")
    if now >= assertion.expires_at + CLOCK_SKEW:
        raise AuthenticationFailed("the assertion has expired; sign in again")
    if expected_nonce is None:
        raise AuthenticationFailed(
            "this browser did not start a sign-in (no sign-in cookie); start again"
        )
    if not hmac.compare_digest(assertion.nonce.encode(), expected_nonce.encode()):
        raise AuthenticationFailed("the assertion answers another sign-in request; start again")
    if assertion.level < policy.required_level:
        raise NotVerifiedEnough(
            f"the identity is verified at level {assertion.level.name.lower()}; the portal "
            f"needs {policy.required_level.name.lower()} or higher"
        )


def new_session(
    customer_id: CustomerId, assertion: SignInAssertion, *, now: datetime, policy: PortalPolicy
) -> PortalSession:
    return PortalSession(
        customer_id=customer_id,
        level=assertion.level,
        created_at=now,
        expires_at=now + policy.session_length,
    )


def remember_assertion_until(assertion: SignInAssertion) -> datetime:
    """After this instant the assertion is refused as expired anyway: its id may be forgotten."""
    return assertion.expires_at + CLOCK_SKEW
