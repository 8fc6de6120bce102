"""The bank's signed assertion: only Ed25519 from the trusted bank, for this portal, complete."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from klantenservice.adapters.portal_sso import (
    AssertionSigner,
    Ed25519AssertionVerifier,
    demo_signer,
    public_key_from_text,
    public_key_text,
)
from klantenservice.domain.customers import VerificationLevel
from klantenservice.domain.errors import AuthenticationFailed

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ISSUER = "https://online.bank.example"
AUDIENCE = "klantenservice-portal"


def signer(key_id: str = "bank-2026") -> AssertionSigner:
    return AssertionSigner(
        Ed25519PrivateKey.generate(), key_id=key_id, issuer=ISSUER, audience=AUDIENCE
    )


def verifier(*signers: AssertionSigner) -> Ed25519AssertionVerifier:
    keys = {s.key_id: s.public_key for s in signers}
    return Ed25519AssertionVerifier(keys, issuer=ISSUER, audience=AUDIENCE)


def mint(bank: AssertionSigner, **claims: object) -> str:
    """An assertion by ``bank``; ``claims`` add to or replace the usual ones."""
    nonce = claims.pop("nonce", "n" * 64)
    token = bank.mint(
        subject="REL-0400037",
        level=VerificationLevel.AUTHENTICATED,
        nonce="n" * 64,
        now=NOW,
        assertion_id="jti-1",
        **claims,  # type: ignore[arg-type]
    )
    if nonce == "n" * 64:
        return token
    changed = {**jwt.decode(token, options={"verify_signature": False}), "nonce": nonce}
    return jwt.encode(changed, bank._key, algorithm="EdDSA", headers={"kid": bank.key_id})


def test_an_assertion_the_bank_signed_reads_back_with_every_claim() -> None:
    bank = signer()
    token = mint(bank)
    checked = verifier(bank).verify(token)
    assert checked.subject == "REL-0400037"
    assert checked.level is VerificationLevel.AUTHENTICATED
    assert checked.assertion_id == "jti-1"
    assert checked.issued_at == NOW
    assert checked.expires_at == NOW + timedelta(minutes=2)
    assert checked.nonce == "n" * 64


def test_the_key_is_chosen_by_kid_so_two_keys_can_overlap_during_a_rotation() -> None:
    old, new = signer("bank-2025"), signer("bank-2026")
    both = verifier(old, new)
    assert both.verify(mint(old)).subject == "REL-0400037"
    assert both.verify(mint(new)).subject == "REL-0400037"
    with pytest.raises(AuthenticationFailed, match="no key"):
        verifier(new).verify(mint(signer("bank-2027")))


def test_a_signature_by_another_key_under_a_known_kid_is_refused() -> None:
    bank, forger = signer("bank-2026"), signer("bank-2026")
    with pytest.raises(AuthenticationFailed, match="signature does not verify"):
        verifier(bank).verify(mint(forger))


def test_a_token_without_kid_is_accepted_only_when_one_key_is_configured() -> None:
    bank = signer()
    claims = jwt.decode(mint(bank), options={"verify_signature": False})
    private = bank._key  # the bank's own key, to sign without a kid
    token = jwt.encode(claims, private, algorithm="EdDSA")
    assert verifier(bank).verify(token).subject == "REL-0400037"
    with pytest.raises(AuthenticationFailed, match="no key"):
        verifier(bank, signer("other")).verify(token)


def _unsigned(claims: dict[str, object], header: dict[str, str]) -> str:
    def part(value: dict[str, object] | dict[str, str]) -> str:
        raw = json.dumps(value).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part(header)}.{part(claims)}."


def test_alg_none_and_hs256_keyed_with_the_public_key_are_refused() -> None:
    bank = signer()
    claims = jwt.decode(mint(bank), options={"verify_signature": False})
    with pytest.raises(AuthenticationFailed):
        verifier(bank).verify(_unsigned(claims, {"alg": "none", "kid": bank.key_id}))
    public = bank.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    confused = jwt.encode(claims, public, algorithm="HS256", headers={"kid": bank.key_id})
    with pytest.raises(AuthenticationFailed, match="EdDSA"):
        verifier(bank).verify(confused)


@pytest.mark.parametrize(
    ("claims", "says"),
    [
        ({"iss": "https://evil.example"}, "not issued by the bank"),
        ({"aud": "another-service"}, "meant for another service"),
        ({"acr": "loa-high"}, "acr"),
        ({"iat": "yesterday"}, "'iat' must be a number"),
        ({"nonce": 42}, "'nonce' must be a string"),
    ],
)
def test_a_wrong_issuer_audience_level_or_claim_type_is_refused(
    claims: dict[str, object], says: str
) -> None:
    bank = signer()
    with pytest.raises(AuthenticationFailed, match=says):
        verifier(bank).verify(mint(bank, **claims))


@pytest.mark.parametrize("missing", ["sub", "jti", "iat", "exp", "acr", "nonce", "aud", "iss"])
def test_every_required_claim_must_be_there(missing: str) -> None:
    bank = signer()
    claims = jwt.decode(mint(bank), options={"verify_signature": False})
    del claims[missing]
    token = jwt.encode(claims, bank._key, algorithm="EdDSA", headers={"kid": bank.key_id})
    with pytest.raises(AuthenticationFailed):
        verifier(bank).verify(token)


def test_garbage_and_oversized_tokens_are_refused_before_any_parsing_gets_far() -> None:
    bank = verifier(signer())
    for token in ("", "not.a.jwt", "x" * 5000):
        with pytest.raises(AuthenticationFailed):
            bank.verify(token)


def test_the_verifier_does_not_judge_time_the_domain_does_with_the_apps_clock() -> None:
    bank = signer()
    long_ago = bank.mint(
        subject="REL-1",
        level=VerificationLevel.STRONG,
        nonce="n" * 64,
        now=NOW - timedelta(days=400),
    )
    assert verifier(bank).verify(long_ago).expires_at < NOW


def test_public_keys_are_written_and_read_as_base64url_of_the_raw_32_bytes() -> None:
    bank = signer()
    text = public_key_text(bank.public_key)
    assert len(text) == 43 and "=" not in text
    read = public_key_from_text(text)
    assert read.public_bytes(Encoding.Raw, PublicFormat.Raw) == bank.public_key.public_bytes(
        Encoding.Raw, PublicFormat.Raw
    )
    with pytest.raises(ValueError, match="not an Ed25519 public key"):
        public_key_from_text("dG9vIHNob3J0")


def test_the_demo_bank_key_follows_from_the_secret_so_every_process_agrees() -> None:
    one = demo_signer("secret one", issuer=ISSUER, audience=AUDIENCE)
    again = demo_signer("secret one", issuer=ISSUER, audience=AUDIENCE)
    other = demo_signer("secret two", issuer=ISSUER, audience=AUDIENCE)
    assert public_key_text(one.public_key) == public_key_text(again.public_key)
    assert public_key_text(one.public_key) != public_key_text(other.public_key)
    assert verifier(again).verify(mint(one)).subject == "REL-0400037"
