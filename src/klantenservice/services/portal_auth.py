"""Customers signing in to and out of the portal, and who a portal request belongs to.

    bank's assertion ─► verifier (adapters/portal_sso.py): signature, issuer, audience
                    ─► domain/portal_sign_in.check_assertion: fresh, this browser, level
                    ─► sign_in: one transaction ── assertion id remembered (a replay fails),
                                                   customer by the bank's reference,
                                                   session (only the token's digest stored),
                                                   audit "portal.signed_in"
    cookie ─► authenticate: the session, unexpired and not signed out ─► PortalCustomer

The portal's customer is not a staff actor: ``PortalCustomer.actor`` has no roles at all, so
no staff service would let it read anything. What the customer may see is decided in
``services/portal.py`` (their own cases only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from klantenservice.domain.customers import Customer, VerificationLevel
from klantenservice.domain.errors import AuthenticationFailed
from klantenservice.domain.portal_sign_in import (
    PortalPolicy,
    SignInAssertion,
    UnknownCustomer,
    check_assertion,
    new_session,
    remember_assertion_until,
)
from klantenservice.domain.vocabulary import CustomerId, Language
from klantenservice.services.ports import Actor, Credentials, UnitOfWork

SESSION_ENDED = "the portal session has ended; sign in again"
DEMO_CUSTOMERS = 8


class AssertionVerifier(Protocol):
    """Checks the bank's signature, issuer and audience (``adapters/portal_sso.py``)."""

    def verify(self, token: str) -> SignInAssertion: ...


@dataclass(frozen=True, slots=True)
class PortalCustomer:
    """The signed-in customer of a portal request."""

    customer_id: CustomerId
    name: str
    language: Language
    level: VerificationLevel
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        """Who the audit trail names: the customer, with no staff role."""
        return Actor(kind="customer", id=int(self.customer_id), name="portal")


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    reference: str
    name: str


def _portal_customer(
    customer: Customer, level: VerificationLevel, expires_at: datetime
) -> PortalCustomer:
    assert customer.id is not None
    return PortalCustomer(customer.id, customer.name, customer.language, level, expires_at)


def sign_in(
    uow: UnitOfWork,
    *,
    token: str,
    verifier: AssertionVerifier,
    expected_nonce: str | None,
    policy: PortalPolicy,
    now: datetime,
    credentials: Credentials,
) -> tuple[str, PortalCustomer, SignInAssertion]:
    """Check the bank's assertion and start a session; returns its token (for the cookie).

    Raises ``AuthenticationFailed`` for a bad, stale, foreign or replayed assertion,
    ``NotVerifiedEnough`` below the required level, ``UnknownCustomer`` for a bank customer
    without a record here.
    """
    assertion = verifier.verify(token)
    check_assertion(assertion, now=now, expected_nonce=expected_nonce, policy=policy)
    with uow:
        uow.portal.forget_expired(at=now)
        first_use = uow.portal.use_assertion(
            assertion.assertion_id, expires_at=remember_assertion_until(assertion), at=now
        )
        if not first_use:
            raise AuthenticationFailed("this sign-in assertion was used before; sign in again")
        customer = uow.portal.customer_by_reference(assertion.subject)
        if customer is None or customer.id is None:
            raise UnknownCustomer("no customer record here belongs to this online-banking customer")
        session = new_session(customer.id, assertion, now=now, policy=policy)
        secret, digest = credentials.issue_session_token()
        uow.portal.add_session(digest=digest, session=session)
        signed_in = _portal_customer(customer, session.level, session.expires_at)
        uow.audit.record(
            actor=signed_in.actor,
            action="portal.signed_in",
            subject_type="customer",
            subject_id=customer.id,
            at=now,
            details={"level": assertion.level.name.lower()},
        )
        uow.commit()
        return secret, signed_in, assertion


def authenticate(
    uow: UnitOfWork, *, token: str, now: datetime, credentials: Credentials
) -> PortalCustomer:
    """The customer of a session token; ``AuthenticationFailed`` once it expired or ended."""
    with uow:
        session = uow.portal.session(credentials.digest(token), at=now)
        if session is None:
            raise AuthenticationFailed(SESSION_ENDED)
        customer = uow.customers.get(session.customer_id)
        if customer is None:
            raise AuthenticationFailed(SESSION_ENDED)
        return _portal_customer(customer, session.level, session.expires_at)


def sign_out(
    uow: UnitOfWork,
    *,
    customer: PortalCustomer,
    token: str,
    now: datetime,
    credentials: Credentials,
) -> None:
    with uow:
        uow.portal.end_session(credentials.digest(token), at=now)
        uow.audit.record(
            actor=customer.actor,
            action="portal.signed_out",
            subject_type="customer",
            subject_id=customer.customer_id,
            at=now,
            details={},
        )
        uow.commit()


def demo_customers(uow: UnitOfWork, *, limit: int = DEMO_CUSTOMERS) -> list[DemoCustomer]:
    """Customers a demo can sign in as (the demo sign-in page only; never in production)."""
    with uow:
        return [
            DemoCustomer(customer.external_ref, customer.name)
            for customer in uow.portal.demo_customers(limit=limit)
            if customer.external_ref
        ]
