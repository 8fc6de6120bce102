from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest

from klantenservice.adapters import security
from klantenservice.adapters.security import (
    API_TOKEN_PREFIX,
    check_password_policy,
    fast_hasher,
    hash_password,
    issue_api_token,
    issue_session_token,
    looks_like_api_token,
    make_hasher,
    match_totp_step,
    needs_rehash,
    new_totp_secret,
    token_digest,
    totp_code,
    totp_provisioning_uri,
    verify_password,
    verify_totp,
)
from klantenservice.domain.errors import ValidationError

PASSWORD = "correct horse battery staple"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = datetime(2026, 3, 2, 9, 15, 10, tzinfo=UTC)  # 10 s into a 30-second step
STEP = timedelta(seconds=30)


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(PASSWORD, hasher=fast_hasher())


# --- passwords ----------------------------------------------------------------------------


def test_a_password_round_trips_through_argon2id(stored: str) -> None:
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD, hasher=fast_hasher())


def test_a_wrong_password_is_false_not_an_exception(stored: str) -> None:
    assert not verify_password(stored, PASSWORD + "!", hasher=fast_hasher())
    assert not verify_password(stored, "", hasher=fast_hasher())


def test_an_unreadable_stored_hash_is_false_not_an_exception() -> None:
    assert not verify_password("not-a-hash", PASSWORD, hasher=fast_hasher())
    assert not verify_password("$argon2id$v=19$garbage", PASSWORD, hasher=fast_hasher())


def test_an_unknown_account_still_costs_a_verification_and_is_false() -> None:
    assert not verify_password(None, PASSWORD, hasher=fast_hasher())


def test_the_same_password_hashes_differently_each_time() -> None:
    hasher = fast_hasher()
    assert hash_password(PASSWORD, hasher=hasher) != hash_password(PASSWORD, hasher=hasher)


def test_a_hash_made_with_lower_cost_needs_a_rehash(stored: str) -> None:
    assert not needs_rehash(stored, hasher=fast_hasher())
    assert needs_rehash(stored, hasher=make_hasher(time_cost=2, memory_cost=8, parallelism=1))
    assert needs_rehash("not-a-hash", hasher=fast_hasher())


def test_the_production_hasher_uses_rfc_9106_parameters() -> None:
    hasher = security.default_hasher()
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (3, 65536, 4)


def test_a_short_password_is_refused_with_a_message_that_helps() -> None:
    with pytest.raises(ValidationError, match="11 characters; use at least 12"):
        hash_password("abcdefghijk", hasher=fast_hasher())


def test_twelve_characters_are_enough() -> None:
    check_password_policy("abcdefghijkl")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 12, "spaces only"),
        ("x" * 1025, "longer than 1024"),
        ("jan.devries@bank.example-123", "e-mail address or name"),
    ],
)
def test_other_unacceptable_passwords_are_refused(password: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_password_policy(password, personal=("jan.devries@bank.example", "Jan de Vries"))


# --- TOTP ---------------------------------------------------------------------------------


def test_a_new_secret_is_base32_and_long_enough() -> None:
    secret = new_totp_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert new_totp_secret() != secret


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    uri = totp_provisioning_uri(SECRET, account="jan@bank.example")
    parsed = urlparse(uri)
    assert (parsed.scheme, parsed.netloc) == ("otpauth", "totp")
    assert parsed.path == "/Klantenservice:jan%40bank.example"
    assert parse_qs(parsed.query) == {"secret": [SECRET], "issuer": ["Klantenservice"]}


def test_our_codes_are_what_an_authenticator_app_shows() -> None:
    assert totp_code(SECRET, at=NOW) == pyotp.TOTP(SECRET).at(NOW)


def test_the_current_code_is_accepted() -> None:
    assert verify_totp(SECRET, totp_code(SECRET, at=NOW), at=NOW)


def test_codes_of_the_adjacent_steps_are_accepted_for_clock_drift() -> None:
    assert verify_totp(SECRET, totp_code(SECRET, at=NOW - STEP), at=NOW)
    assert verify_totp(SECRET, totp_code(SECRET, at=NOW + STEP), at=NOW)


def test_older_and_newer_codes_are_refused() -> None:
    assert not verify_totp(SECRET, totp_code(SECRET, at=NOW - 2 * STEP), at=NOW)
    assert not verify_totp(SECRET, totp_code(SECRET, at=NOW + 2 * STEP), at=NOW)
    assert not verify_totp(SECRET, totp_code(SECRET, at=NOW - timedelta(hours=1)), at=NOW)


def test_a_window_of_zero_accepts_only_the_current_step() -> None:
    previous = totp_code(SECRET, at=NOW - STEP)
    assert not verify_totp(SECRET, previous, at=NOW, valid_window=0)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(code: str) -> None:
    assert not verify_totp(SECRET, code, at=NOW)


def test_spaces_in_a_typed_code_are_ignored() -> None:
    code = totp_code(SECRET, at=NOW)
    assert verify_totp(SECRET, f" {code[:3]} {code[3:]} ", at=NOW)


def test_the_time_zone_of_the_given_time_does_not_matter() -> None:
    amsterdam = NOW.astimezone(timezone(timedelta(hours=1)))
    assert verify_totp(SECRET, totp_code(SECRET, at=NOW), at=amsterdam)


def test_a_naive_time_is_refused_rather_than_read_as_local_time() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        verify_totp(SECRET, "123456", at=NOW.replace(tzinfo=None))


def test_a_code_that_was_used_once_cannot_be_used_again() -> None:
    code = totp_code(SECRET, at=NOW)
    used = match_totp_step(SECRET, code, at=NOW)
    assert used == int(NOW.timestamp()) // 30
    assert match_totp_step(SECRET, code, at=NOW + timedelta(seconds=5), after_step=used) is None
    later = totp_code(SECRET, at=NOW + STEP)
    assert match_totp_step(SECRET, later, at=NOW + STEP, after_step=used) == used + 1


# --- tokens -------------------------------------------------------------------------------


def test_the_token_digest_is_the_stable_sha256_hex_of_the_token() -> None:
    assert token_digest("abc") == hashlib.sha256(b"abc").hexdigest()
    assert token_digest("abc") == token_digest("abc")
    assert token_digest("abc") != token_digest("abd")


def test_a_session_token_is_256_random_bits_and_only_its_digest_is_kept() -> None:
    issued = issue_session_token()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", issued.secret)
    assert issued.digest == token_digest(issued.secret)
    assert issue_session_token().secret != issued.secret


def test_an_api_token_is_recognisable_by_its_prefix() -> None:
    issued = issue_api_token()
    assert issued.secret.startswith(API_TOKEN_PREFIX)
    assert looks_like_api_token(issued.secret)
    assert issued.digest == token_digest(issued.secret)
    assert not looks_like_api_token(issue_session_token().secret)
    assert not looks_like_api_token("ks_short")


def test_the_secret_of_an_issued_token_stays_out_of_logs() -> None:
    issued = issue_api_token()
    assert issued.secret not in repr(issued)
    assert issued.digest in repr(issued)
