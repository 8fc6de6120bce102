"""Signing in to the portal with the bank's assertion: fresh, once, for this browser, verified."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.services.portal_world import (
    BROWSER,
    PortalWorld,
    build_portal_world,
    customer_id,
    later,
)
from tests.services.world import T0

from klantenservice.adapters.db.tables import portal_assertions
from klantenservice.domain.customers import VerificationLevel
from klantenservice.domain.errors import AuthenticationFailed
from klantenservice.domain.portal_sign_in import NotVerifiedEnough, UnknownCustomer
from klantenservice.services import portal_auth


@pytest.fixture
def portal(database_url: str) -> Iterator[PortalWorld]:
    built = build_portal_world(database_url)
    yield built
    built.close()


def test_the_banks_assertion_signs_the_customer_in_and_only_a_digest_is_stored(
    portal: PortalWorld,
) -> None:
    token, customer = portal.sign_in(portal.assertion(portal.ann))
    assert customer.customer_id == customer_id(portal.ann)
    assert customer.name == "Ann de Wit"
    assert customer.level is VerificationLevel.AUTHENTICATED
    assert customer.expires_at == T0 + timedelta(minutes=30)
    assert portal.session_digests() == [portal.credentials.digest(token)]
    assert token not in portal.session_digests()
    assert portal.audit_rows("portal.signed_in") == [
        (f"customer:{portal.ann.id}", "customer", str(portal.ann.id))
    ]
    again = portal_auth.authenticate(
        portal.uows(read_only=True), token=token, now=later(29), credentials=portal.credentials
    )
    assert again.customer_id == customer.customer_id


def test_the_same_assertion_a_second_time_is_a_replay_and_starts_no_session(
    portal: PortalWorld,
) -> None:
    token = portal.assertion(portal.ann)
    portal.sign_in(token)
    before = portal.stored()
    with pytest.raises(AuthenticationFailed, match="used before"):
        portal.sign_in(token, now=later(0.5))
    assert portal.stored() == before


@pytest.mark.parametrize(
    ("minted_ago", "says"),
    [(timedelta(minutes=3), "expired"), (timedelta(days=1), "expired")],
)
def test_an_expired_assertion_signs_nobody_in(
    portal: PortalWorld, minted_ago: timedelta, says: str
) -> None:
    token = portal.assertion(portal.ann, now=T0 - minted_ago)  # valid for 2 minutes
    before = portal.stored()
    with pytest.raises(AuthenticationFailed, match=says):
        portal.sign_in(token)
    assert portal.stored() == before


def test_an_assertion_valid_for_hours_is_refused_however_fresh(portal: PortalWorld) -> None:
    token = portal.assertion(portal.ann, lifetime=timedelta(hours=8))
    with pytest.raises(AuthenticationFailed, match="more than 5 minutes"):
        portal.sign_in(token)


@pytest.mark.parametrize("level", [VerificationLevel.NONE, VerificationLevel.CONTACT])
def test_an_identity_the_bank_verified_too_weakly_signs_nobody_in(
    portal: PortalWorld, level: VerificationLevel
) -> None:
    before = portal.stored()
    with pytest.raises(NotVerifiedEnough, match="needs authenticated"):
        portal.sign_in(portal.assertion(portal.ann, level=level))
    assert portal.stored() == before


def test_a_strongly_verified_customer_signs_in_with_that_level(portal: PortalWorld) -> None:
    _, customer = portal.sign_in(portal.assertion(portal.ben, level=VerificationLevel.STRONG))
    assert customer.level is VerificationLevel.STRONG


def test_a_bank_customer_without_a_record_here_signs_nobody_in(portal: PortalWorld) -> None:
    before = portal.stored()
    with pytest.raises(UnknownCustomer):
        portal.sign_in(portal.assertion(portal.cor))  # Cor has no bank reference
    assert portal.stored() == before


def test_an_assertion_meant_for_another_browser_signs_nobody_in(portal: PortalWorld) -> None:
    token = portal.assertion(portal.ann)
    with pytest.raises(AuthenticationFailed, match="another sign-in request"):
        portal.sign_in(token, browser="x" * 43)
    with pytest.raises(AuthenticationFailed, match="did not start a sign-in"):
        portal.sign_in(token, browser=None)
    portal.sign_in(token, browser=BROWSER)  # the right browser still can: nothing was burnt


def test_an_assertion_from_another_issuer_key_signs_nobody_in(portal: PortalWorld) -> None:
    token = portal.assertion(portal.ann)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationFailed, match="signature"):
        portal.sign_in(forged)


def test_a_session_ends_at_its_expiry(portal: PortalWorld) -> None:
    token, _ = portal.sign_in(portal.assertion(portal.ann))
    with pytest.raises(AuthenticationFailed, match="ended"):
        portal_auth.authenticate(
            portal.uows(), token=token, now=later(30), credentials=portal.credentials
        )


def test_signing_out_ends_the_session_and_is_audited(portal: PortalWorld) -> None:
    token, customer = portal.sign_in(portal.assertion(portal.ann))
    portal_auth.sign_out(
        portal.uows(), customer=customer, token=token, now=later(1), credentials=portal.credentials
    )
    with pytest.raises(AuthenticationFailed, match="ended"):
        portal_auth.authenticate(
            portal.uows(), token=token, now=later(2), credentials=portal.credentials
        )
    assert portal.audit_rows("portal.signed_out") == [
        (f"customer:{portal.ann.id}", "customer", str(portal.ann.id))
    ]


def test_a_made_up_session_token_is_nobody(portal: PortalWorld) -> None:
    with pytest.raises(AuthenticationFailed):
        portal_auth.authenticate(
            portal.uows(), token="made-up", now=T0, credentials=portal.credentials
        )


def test_expired_sessions_and_old_assertion_ids_are_pruned_at_a_later_sign_in(
    portal: PortalWorld,
) -> None:
    portal.sign_in(portal.assertion(portal.ann))  # a session until T0 + 30 min
    second, _ = portal.sign_in(portal.assertion(portal.ben, now=later(31)), now=later(31))
    assert portal.session_digests() == [portal.credentials.digest(second)]
    with portal.world.read() as connection:
        kept = connection.execute(select(portal_assertions.c.expires_at)).scalars().all()
    assert len(kept) == 1  # the first assertion's id went once it could only be refused anyway
    assert kept[0] > later(31)


def test_the_demo_bank_offers_customers_with_a_reference_and_cases(portal: PortalWorld) -> None:
    portal.case_of(portal.ben)
    portal.case_of(portal.ben, subject="Nog iets")
    portal.case_of(portal.ann)
    portal.case_of(portal.cor)
    offered = portal_auth.demo_customers(portal.uows(read_only=True))
    assert [(c.reference, c.name) for c in offered] == [
        ("REL-0000002", "Ben Bakker"),
        ("REL-0000001", "Ann de Wit"),
    ]
