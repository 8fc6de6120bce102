"""Matching customers across channels: keys, names, proposals and the merged record (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from klantenservice.domain.customer_matching import (
    Signal,
    Strength,
    canonical_mailbox,
    choose_survivor,
    match_key,
    merged_record,
    names_fit,
    ordered_pair,
    propose,
)
from klantenservice.domain.customers import (
    ContactPoint,
    Customer,
    VerificationLevel,
    normalise_email,
)
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import CustomerId

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def point(kind: str, raw: str) -> ContactPoint:
    return ContactPoint.parse(kind, raw)


def customer(customer_id: int, name: str, *points: ContactPoint, **fields: object) -> Customer:
    return Customer(
        id=CustomerId(customer_id),
        name=name,
        contact_points=points,
        **fields,  # type: ignore[arg-type]
    )


# --- exact matching: normalisation across channels ---------------------------------------------


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("phone", "06 12345678", "+31612345678"),  # an SMS or a call from a Dutch mobile
        ("phone", "+31 6 1234 5678", "+31612345678"),
        ("phone", "0031612345678", "+31612345678"),
        ("whatsapp", "31612345678", "31612345678"),  # WhatsApp: the digits, no '+'
        ("whatsapp", "+31 6 12345678", "31612345678"),
        ("email", "Jan.Jansen@Example.NL", "jan.jansen@example.nl"),  # local part too
        ("email", "  jan@example.nl ", "jan@example.nl"),
    ],
)
def test_contact_points_written_differently_are_stored_alike(
    kind: str, raw: str, stored: str
) -> None:
    assert point(kind, raw).value == stored


@pytest.mark.parametrize(
    ("kind", "raw"), [("phone", "12"), ("whatsapp", "abc"), ("email", "jan@"), ("email", "jan")]
)
def test_contact_points_that_are_none_are_refused(kind: str, raw: str) -> None:
    with pytest.raises(ValidationError):
        point(kind, raw)


def test_an_sms_number_and_a_call_number_are_one_contact_point() -> None:
    assert point("phone", "0612345678") == point("phone", "+31 (0)6-12 34 56 78")
    assert normalise_email("JAN@EXAMPLE.NL") == normalise_email("jan@example.nl")


# --- keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (("phone", "+31612345678"), ("whatsapp", "31612345678"), True),
        (("phone", "+31612345678"), ("whatsapp", "31612345679"), False),
        (("email", "jan+bank@example.nl"), ("email", "jan@example.nl"), True),
        (("email", "jan+bank@example.nl"), ("email", "jan+shop@example.nl"), True),
        (("email", "j.an.sen@gmail.com"), ("email", "jansen@googlemail.com"), True),
        (("email", "j.an.sen@example.nl"), ("email", "jansen@example.nl"), False),  # not Gmail
        (("email", "jan@example.nl"), ("email", "jan@example.com"), False),
        (("email", "31612345678@example.nl"), ("whatsapp", "31612345678"), False),
    ],
)
def test_match_keys_meet_when_they_reach_the_same_person(
    first: tuple[str, str], second: tuple[str, str], same: bool
) -> None:
    assert (match_key(point(*first)) == match_key(point(*second))) is same


def test_canonical_mailbox_keeps_an_address_that_is_only_a_plus() -> None:
    assert canonical_mailbox("+@example.nl") == "+@example.nl"


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "fit"),
    [
        ("Jan de Vries", "jan de vries", True),
        ("Jan de Vries", "J. de Vries", True),
        ("Jan de Vries", "Jan", True),  # a WhatsApp profile name
        ("Zoë Çelik", "Zoe Celik", True),  # diacritics
        ("Jan de Vries", "Marieke de Vries", False),  # a family sharing a number
        ("Jan de Vries", "Piet Jansen", False),
        ("", "Jan de Vries", None),  # unknown: says nothing
        ("...", "Jan", None),
    ],
)
def test_names_fit_when_one_could_be_the_other_written_shorter(
    first: str, second: str, fit: bool | None
) -> None:
    assert names_fit(first, second) is fit
    assert names_fit(second, first) is fit


# --- proposals ----------------------------------------------------------------------------------

PIET_PHONE = point("phone", "+31612345678")
PIET_WHATSAPP = point("whatsapp", "31612345678")


@pytest.mark.parametrize(
    ("subject", "other", "strength", "signals"),
    [
        (
            customer(2, "Piet", PIET_WHATSAPP),
            customer(1, "Piet de Boer", PIET_PHONE),
            Strength.STRONG,
            (Signal.SAME_NUMBER_OTHER_CHANNEL, Signal.NAMES_FIT),
        ),
        (
            customer(1, "Piet de Boer", PIET_PHONE),
            customer(2, "", PIET_WHATSAPP),  # vice versa; name unknown
            Strength.STRONG,
            (Signal.SAME_NUMBER_OTHER_CHANNEL,),
        ),
        (
            customer(2, "Marieke de Boer", PIET_WHATSAPP),
            customer(1, "Piet de Boer", PIET_PHONE),
            Strength.POSSIBLE,
            (Signal.SAME_NUMBER_OTHER_CHANNEL, Signal.NAMES_DIFFER),
        ),
        (
            customer(2, "Jan Jansen", point("email", "jan.jansen+bank@gmail.com")),
            customer(1, "Jan Jansen", point("email", "janjansen@googlemail.com")),
            Strength.STRONG,
            (Signal.SAME_MAILBOX, Signal.NAMES_FIT),
        ),
    ],
)
def test_proposals_say_why_and_how_strong(
    subject: Customer, other: Customer, strength: Strength, signals: tuple[Signal, ...]
) -> None:
    [proposal] = propose(subject, [other])
    assert proposal.other == other
    assert proposal.strength is strength
    assert tuple(r.signal for r in proposal.reasons) == signals
    assert all(r.sentence.endswith(".") for r in proposal.reasons)


def test_the_reason_names_both_contact_points_as_an_agent_reads_them() -> None:
    [proposal] = propose(customer(2, "Piet", PIET_WHATSAPP), [customer(1, "Piet", PIET_PHONE)])
    sentence = proposal.reasons[0].sentence
    assert "WhatsApp +31612345678" in sentence and "phone +31612345678" in sentence
    assert "recycled" in sentence


@pytest.mark.parametrize(
    ("other", "rejected", "why"),
    [
        (customer(1, "Jan de Vries", point("email", "jan@a.nl")), frozenset(), "a name alone"),
        (customer(1, "Piet", PIET_PHONE), frozenset({CustomerId(1)}), "rejected before"),
        (customer(1, "Piet", PIET_PHONE, merged_into=CustomerId(7)), frozenset(), "merged"),
        (customer(2, "Piet", PIET_PHONE), frozenset(), "the subject itself"),
        (customer(1, "Piet", PIET_PHONE, external_ref="B-1"), frozenset(), "two bank refs"),
    ],
)
def test_no_proposal(other: Customer, rejected: frozenset[CustomerId], why: str) -> None:
    subject = customer(2, "Jan de Vries", PIET_WHATSAPP, external_ref="B-2")
    assert propose(subject, [other], rejected=rejected) == [], why


def test_strong_proposals_come_first() -> None:
    subject = customer(5, "Piet de Boer", PIET_WHATSAPP, point("email", "piet@gmail.com"))
    family = customer(1, "Marieke de Boer", PIET_PHONE)
    mailbox = customer(3, "P. de Boer", point("email", "p.iet@gmail.com"))
    found = propose(subject, [family, mailbox])
    assert [(p.other.id, p.strength) for p in found] == [
        (3, Strength.STRONG),
        (1, Strength.POSSIBLE),
    ]


# --- merging ------------------------------------------------------------------------------------


def test_the_older_record_survives() -> None:
    old = customer(9, "A", created_at=T0)
    new = customer(3, "B", created_at=T0.replace(year=2027))
    assert choose_survivor(new, old) == (old, new)
    assert choose_survivor(customer(4, "A"), customer(2, "B"))[0].id == 2  # no dates: lower id


@pytest.mark.parametrize(
    ("survivor", "absorbed", "expected"),
    [
        (  # vulnerable wins; the lower verification level wins; tags are joined
            {"vulnerable": False, "verification": VerificationLevel.STRONG, "tags": {"a"}},
            {"vulnerable": True, "verification": VerificationLevel.CONTACT, "tags": {"b"}},
            {"vulnerable": True, "verification": VerificationLevel.CONTACT, "tags": {"a", "b"}},
        ),
        (  # the record the bank knows gives segment and reference
            {"segment": "retail"},
            {"segment": "private", "external_ref": "B-7"},
            {"segment": "private", "external_ref": "B-7"},
        ),
        (  # otherwise the survivor's
            {"segment": "retail", "external_ref": "B-1"},
            {"segment": "private"},
            {"segment": "retail", "external_ref": "B-1"},
        ),
        ({"name": ""}, {"name": "Piet"}, {"name": "Piet"}),
        ({"name": "Piet de Boer"}, {"name": "Piet"}, {"name": "Piet de Boer"}),
    ],
)
def test_the_merged_record_keeps_the_more_protective_values(
    survivor: dict[str, object], absorbed: dict[str, object], expected: dict[str, object]
) -> None:
    def make(customer_id: int, fields: dict[str, object]) -> Customer:
        values: dict[str, object] = {"name": "x", **fields}
        if "tags" in values:
            values["tags"] = frozenset(values["tags"])  # type: ignore[arg-type]
        return Customer(id=CustomerId(customer_id), **values)  # type: ignore[arg-type]

    merged = merged_record(make(1, survivor), make(2, absorbed))
    assert merged.id == 1
    for name, value in expected.items():
        got = getattr(merged, name)
        assert got == frozenset(value) if name == "tags" else got == value, name  # type: ignore[arg-type]


def test_a_pair_is_stored_lower_id_first() -> None:
    assert ordered_pair(CustomerId(9), CustomerId(2)) == ordered_pair(CustomerId(2), CustomerId(9))
