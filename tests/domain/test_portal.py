"""The portal's pure rules: which assertion signs a customer in, what a customer sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.customers import VerificationLevel
from klantenservice.domain.errors import AuthenticationFailed, ValidationError
from klantenservice.domain.messages import Message
from klantenservice.domain.portal import (
    MAX_BODY_CHARS,
    MAX_SUBJECT_CHARS,
    CustomerStatus,
    Field,
    FormRejected,
    PortalCategory,
    Problem,
    ProblemKind,
    clean_subject,
    customer_status,
    form_problems,
    submission_problems,
    visible_to_customer,
)
from klantenservice.domain.portal_sign_in import (
    CLOCK_SKEW,
    MAX_ASSERTION_LIFETIME,
    NotVerifiedEnough,
    PortalPolicy,
    PortalSession,
    SignInAssertion,
    check_assertion,
    new_session,
    nonce_for,
    parse_level,
    remember_assertion_until,
)
from klantenservice.domain.vocabulary import (
    AuthorKind,
    CaseId,
    Channel,
    CustomerId,
    Direction,
    Priority,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SECRET = "a test secret"
NONCE = nonce_for("browser-nonce", SECRET)
POLICY = PortalPolicy()


def assertion(**changes: object) -> SignInAssertion:
    fresh = SignInAssertion(
        subject="REL-0400037",
        level=VerificationLevel.AUTHENTICATED,
        assertion_id="jti-1",
        issued_at=NOW - timedelta(seconds=10),
        expires_at=NOW + timedelta(minutes=1),
        nonce=NONCE,
    )
    return replace(fresh, **changes)  # type: ignore[arg-type]


def test_a_fresh_assertion_for_this_browser_at_the_required_level_is_accepted() -> None:
    check_assertion(assertion(), now=NOW, expected_nonce=NONCE, policy=POLICY)
    strong = assertion(level=VerificationLevel.STRONG)
    check_assertion(strong, now=NOW, expected_nonce=NONCE, policy=POLICY)


@pytest.mark.parametrize(
    ("changes", "now", "says"),
    [
        ({"issued_at": NOW - timedelta(minutes=2), "expires_at": NOW - CLOCK_SKEW}, NOW, "expired"),
        ({"issued_at": NOW - timedelta(minutes=4), "expires_at": NOW - timedelta(seconds=31)},
         NOW, "expired"),
        ({"issued_at": NOW + timedelta(minutes=1), "expires_at": NOW + timedelta(minutes=2)},
         NOW, "future"),
        ({"expires_at": NOW + MAX_ASSERTION_LIFETIME}, NOW, "more than 5 minutes"),
        ({"expires_at": NOW - timedelta(minutes=1)}, NOW, "before it was issued"),
        ({"nonce": nonce_for("another browser", SECRET)}, NOW, "another sign-in request"),
    ],
)  # fmt: skip
def test_a_stale_or_foreign_assertion_is_refused_with_the_reason(
    changes: dict[str, object], now: datetime, says: str
) -> None:
    with pytest.raises(AuthenticationFailed, match=says):
        check_assertion(assertion(**changes), now=now, expected_nonce=NONCE, policy=POLICY)


def test_an_assertion_within_the_clock_skew_still_counts() -> None:
    late = assertion(
        issued_at=NOW - timedelta(minutes=2), expires_at=NOW - CLOCK_SKEW + timedelta(seconds=1)
    )
    check_assertion(late, now=NOW, expected_nonce=NONCE, policy=POLICY)
    early = assertion(issued_at=NOW + CLOCK_SKEW, expires_at=NOW + timedelta(minutes=2))
    check_assertion(early, now=NOW, expected_nonce=NONCE, policy=POLICY)


def test_a_browser_that_did_not_start_a_sign_in_cannot_finish_one() -> None:
    with pytest.raises(AuthenticationFailed, match="did not start a sign-in"):
        check_assertion(assertion(), now=NOW, expected_nonce=None, policy=POLICY)


@pytest.mark.parametrize("level", [VerificationLevel.NONE, VerificationLevel.CONTACT])
def test_an_identity_verified_below_the_required_level_is_refused(
    level: VerificationLevel,
) -> None:
    with pytest.raises(NotVerifiedEnough, match="needs authenticated or higher"):
        check_assertion(assertion(level=level), now=NOW, expected_nonce=NONCE, policy=POLICY)
    strict = PortalPolicy(required_level=VerificationLevel.STRONG)
    with pytest.raises(NotVerifiedEnough, match="needs strong"):
        check_assertion(assertion(), now=NOW, expected_nonce=NONCE, policy=strict)


def test_the_nonce_the_bank_echoes_depends_on_the_browser_nonce_and_the_secret() -> None:
    assert nonce_for("n", SECRET) == nonce_for("n", SECRET)
    assert nonce_for("n", SECRET) != nonce_for("m", SECRET)
    assert nonce_for("n", SECRET) != nonce_for("n", "another secret")
    assert "n" not in nonce_for("n", SECRET)


def test_an_assertion_names_a_subject_and_an_id_of_sensible_length() -> None:
    with pytest.raises(AuthenticationFailed, match="subject"):
        assertion(subject="")
    with pytest.raises(AuthenticationFailed, match="jti"):
        assertion(assertion_id="x" * 129)


def test_levels_are_named_as_the_assertion_names_them() -> None:
    assert parse_level("strong") is VerificationLevel.STRONG
    assert parse_level(" Authenticated ") is VerificationLevel.AUTHENTICATED
    with pytest.raises(ValidationError, match="none, contact, authenticated, strong"):
        parse_level("loa4")


def test_a_session_lasts_the_policys_length_from_sign_in_and_not_a_moment_longer() -> None:
    session = new_session(CustomerId(7), assertion(), now=NOW, policy=POLICY)
    assert session == PortalSession(
        CustomerId(7), VerificationLevel.AUTHENTICATED, NOW, NOW + timedelta(minutes=30)
    )
    assert session.is_valid_at(NOW + timedelta(minutes=29, seconds=59))
    assert not session.is_valid_at(NOW + timedelta(minutes=30))
    assert not session.is_valid_at(NOW - timedelta(seconds=1))


def test_an_assertion_id_is_remembered_until_the_assertion_is_refused_anyway() -> None:
    checked = assertion()
    assert remember_assertion_until(checked) == checked.expires_at + CLOCK_SKEW


# -- what a customer sees -----------------------------------------------------------------


def test_every_case_status_has_a_customer_status_and_internal_waiting_is_in_progress() -> None:
    assert {customer_status(s) for s in CaseStatus} == set(CustomerStatus)
    assert customer_status(CaseStatus.PENDING_INTERNAL) is CustomerStatus.IN_PROGRESS
    assert customer_status(CaseStatus.PENDING_CUSTOMER) is CustomerStatus.WAITING_FOR_YOU


def message(direction: Direction, author: AuthorKind, channel: Channel) -> Message:
    return Message(None, CaseId(1), channel, direction, author, "text", NOW)


def test_a_customer_sees_messages_both_ways_but_never_an_internal_note() -> None:
    assert visible_to_customer(message(Direction.INBOUND, AuthorKind.CUSTOMER, Channel.EMAIL))
    assert visible_to_customer(message(Direction.OUTBOUND, AuthorKind.AGENT, Channel.EMAIL))
    assert visible_to_customer(message(Direction.OUTBOUND, AuthorKind.BOT, Channel.CHAT))
    note = message(Direction.INTERNAL, AuthorKind.AGENT, Channel.INTERNAL_NOTE)
    assert not visible_to_customer(note)


def test_fraud_goes_to_the_emergency_lane_and_everything_else_is_normal() -> None:
    assert PortalCategory.FRAUD.priority is Priority.EMERGENCY
    others = {c.priority for c in PortalCategory if c is not PortalCategory.FRAUD}
    assert others == {Priority.NORMAL}


GOOD = {"category": "cards", "subject": "Pas kwijt", "body": "Mijn pas", "submission": "a" * 32}


def test_a_complete_form_has_no_problems() -> None:
    assert form_problems(**GOOD) == []
    assert form_problems(**{**GOOD, "body": "x" * MAX_BODY_CHARS}) == []


def test_every_problem_of_a_form_is_listed_at_once_in_field_order() -> None:
    problems = form_problems(category="", subject=" ", body="", submission="short")
    assert [(p.field, p.kind) for p in problems] == [
        (Field.CATEGORY, ProblemKind.MISSING),
        (Field.SUBJECT, ProblemKind.MISSING),
        (Field.BODY, ProblemKind.MISSING),
        (Field.SUBMISSION, ProblemKind.MISSING),
    ]


def test_too_long_texts_and_unknown_categories_are_problems_that_say_the_limit() -> None:
    problems = form_problems(
        **{
            **GOOD,
            "category": "lottery",
            "subject": "s" * (MAX_SUBJECT_CHARS + 1),
            "body": "b" * (MAX_BODY_CHARS + 5),
        }
    )
    assert problems == [
        Problem(Field.CATEGORY, ProblemKind.UNKNOWN),
        Problem(Field.SUBJECT, ProblemKind.TOO_LONG, limit=MAX_SUBJECT_CHARS, size=201),
        Problem(Field.BODY, ProblemKind.TOO_LONG, limit=MAX_BODY_CHARS, size=10_005),
    ]
    error = FormRejected(problems)
    assert "body is 10005 characters; the limit is 10000" in error.message
    assert isinstance(error, ValidationError)


@pytest.mark.parametrize("submission", ["", "a" * 15, "a" * 65, "a" * 20 + "<", "ä" * 20])
def test_a_submission_id_must_look_like_one_the_portal_made(submission: str) -> None:
    assert submission_problems(submission) == [Problem(Field.SUBMISSION, ProblemKind.MISSING)]


def test_a_subject_is_one_line() -> None:
    assert clean_subject("  Dubbele\n  afschrijving\t maart ") == "Dubbele afschrijving maart"
