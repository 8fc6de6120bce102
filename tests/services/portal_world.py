"""Two bank customers on the service tests' world, and a bank that signs them in.

Ann (``REL-0000001``) and Ben (``REL-0000002``) have a bank reference; Cor has none (a
customer who only ever wrote an e-mail). ``bank`` mints assertions as the bank's online
banking would; ``verifier`` trusts only the bank's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from tests.services.world import T0, World, build_world

from klantenservice.adapters.credentials import Argon2Credentials
from klantenservice.adapters.db.tables import audit_log, cases, messages, portal_sessions
from klantenservice.adapters.portal_sso import AssertionSigner, Ed25519AssertionVerifier
from klantenservice.adapters.security import fast_hasher
from klantenservice.domain.customers import Customer, VerificationLevel
from klantenservice.domain.portal_sign_in import PortalPolicy, nonce_for
from klantenservice.domain.vocabulary import CustomerId
from klantenservice.services import portal_auth
from klantenservice.services.inbound import IntakeOptions
from klantenservice.services.portal_auth import PortalCustomer
from klantenservice.services.ports import UnitOfWorkFactory

ISSUER = "https://online.bank.example"
AUDIENCE = "klantenservice-portal"
SECRET = "portal test secret"
BROWSER = "b" * 43  # the random value in the browser's sign-in cookie
POLICY = PortalPolicy()
OPTIONS = IntakeOptions(auto_assign=False)


@dataclass
class PortalWorld:
    world: World
    bank: AssertionSigner
    verifier: Ed25519AssertionVerifier
    credentials: Argon2Credentials
    ann: Customer
    ben: Customer
    cor: Customer

    @property
    def uows(self) -> UnitOfWorkFactory:
        return cast(UnitOfWorkFactory, self.world.uow)

    def assertion(self, customer: Customer, *, now: datetime = T0, **changes: Any) -> str:
        fields: dict[str, Any] = {
            "subject": customer.external_ref or "REL-unknown",
            "level": VerificationLevel.AUTHENTICATED,
            "nonce": nonce_for(BROWSER, SECRET),
            "now": now,
            **changes,
        }
        return self.bank.mint(**fields)

    def sign_in(
        self, token: str, *, now: datetime = T0, browser: str | None = BROWSER
    ) -> tuple[str, PortalCustomer]:
        secret, customer, _ = portal_auth.sign_in(
            self.uows(),
            token=token,
            verifier=self.verifier,
            expected_nonce=None if browser is None else nonce_for(browser, SECRET),
            policy=POLICY,
            now=now,
            credentials=self.credentials,
        )
        return secret, customer

    def signed_in(self, customer: Customer) -> PortalCustomer:
        return self.sign_in(self.assertion(customer))[1]

    def case_of(self, customer: Customer, subject: str = "Pas geblokkeerd", **fields: Any) -> int:
        """A case of ``customer`` from an e-mail (a new case each time)."""
        result = self.world.receive(
            "Mijn pas doet het niet.",
            customer_id=customer.id,
            subject=subject,
            new_case=True,
            options=OPTIONS,
            **fields,
        )
        return int(result.case_id)

    def stored(self) -> dict[str, int]:
        """Row counts of what the portal's use cases may write."""
        return {
            "cases": self.world.count(cases),
            "messages": self.world.count(messages),
            "audit": self.world.count(audit_log),
            "sessions": self.world.count(portal_sessions),
        }

    def session_digests(self) -> list[str]:
        with self.world.read() as connection:
            return list(connection.execute(select(portal_sessions.c.token_digest)).scalars())

    def audit_rows(self, action: str) -> list[tuple[str, str, str]]:
        with self.world.read() as connection:
            rows = connection.execute(
                select(audit_log.c.actor, audit_log.c.subject_type, audit_log.c.subject_id)
                .where(audit_log.c.action == action)
                .order_by(audit_log.c.seq)
            )
            return [(r.actor, r.subject_type, r.subject_id) for r in rows]

    def close(self) -> None:
        self.world.close()


def build_portal_world(url: str) -> PortalWorld:
    world = build_world(url)
    bank = AssertionSigner(
        Ed25519PrivateKey.generate(), key_id="bank", issuer=ISSUER, audience=AUDIENCE
    )
    verifier = Ed25519AssertionVerifier({"bank": bank.public_key}, issuer=ISSUER, audience=AUDIENCE)
    people = []
    with world.uow() as uow:
        for name, reference in (
            ("Ann de Wit", "REL-0000001"),
            ("Ben Bakker", "REL-0000002"),
            ("Cor Smit", None),
        ):
            people.append(uow.customers.add(Customer(None, name, external_ref=reference), at=T0))
        uow.commit()
    ann, ben, cor = people
    return PortalWorld(world, bank, verifier, Argon2Credentials(fast_hasher()), ann, ben, cor)


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def customer_id(customer: Customer) -> CustomerId:
    assert customer.id is not None
    return customer.id
