"""Customers and their contact points.

One customer is seen across every channel (PRODUCT.md capability 1), so contact points are
stored normalised: e-mail lower-cased in its domain part and checked for syntax, phone numbers in
E.164 (``phonenumbers``), WhatsApp ids as the digits of the E.164 number. Two contact points that
mean the same address therefore compare equal, which is what matching a new contact relies on.

``phonenumbers`` and ``email-validator`` are pure computation (no I/O), which is why the domain
may use them (docs/decisions/0001-pure-validation-libraries-in-domain.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import IntEnum, StrEnum
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import CustomerId, Language

MAX_NAME_LENGTH = 200
MAX_SEGMENT_LENGTH = 40


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    WHATSAPP = "whatsapp"


class VerificationLevel(IntEnum):
    """How sure we are that we talk to the customer (drives what an agent may disclose)."""

    NONE = 0  # anonymous or only a claimed name
    CONTACT = 1  # reached us from a contact point on record
    AUTHENTICATED = 2  # logged in to app or portal
    STRONG = 3  # identity document checked (in person, iDIN)


@dataclass(frozen=True, slots=True)
class ContactPoint:
    kind: ContactKind
    value: str

    @classmethod
    def parse(
        cls, kind: ContactKind | str, raw: str, *, default_region: str = "NL"
    ) -> ContactPoint:
        kind = ContactKind(kind)
        if kind is ContactKind.EMAIL:
            return cls(kind, normalise_email(raw))
        if kind is ContactKind.PHONE:
            return cls(kind, normalise_phone(raw, default_region=default_region))
        return cls(kind, normalise_whatsapp_id(raw))


# Contact points repeat (every message of a customer carries theirs) and validating one costs
# tens of µs (email_validator checks each character of the domain): remember the last few
# thousand. A pure function, so caching changes nothing but time; refusals are not cached.
_REMEMBERED = 4096


@lru_cache(maxsize=_REMEMBERED)
def normalise_email(raw: str) -> str:
    """Syntax check only (no DNS: the domain does no I/O); returns the normalised address."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError(f"invalid e-mail address {raw!r}: {error}") from None
    return str(result.normalized).lower()


@lru_cache(maxsize=_REMEMBERED)
def normalise_phone(raw: str, *, default_region: str = "NL") -> str:
    """E.164 form of a phone number; numbers without a country code use ``default_region``."""
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"invalid phone number {raw!r}: not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(f"invalid phone number {raw!r}: no such number in its country plan")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_whatsapp_id(raw: str) -> str:
    """WhatsApp ids are the E.164 digits without '+'; a valid phone number is required."""
    text = raw.strip()
    candidate = text if text.startswith("+") else f"+{text}"
    try:
        return normalise_phone(candidate)[1:]
    except ValidationError:
        raise ValidationError(f"invalid WhatsApp id {raw!r}: expected a phone number") from None


@dataclass(frozen=True, slots=True)
class Customer:
    id: CustomerId | None
    name: str
    language: Language = Language.NL
    segment: str = "retail"
    vulnerable: bool = False
    verification: VerificationLevel = VerificationLevel.NONE
    contact_points: tuple[ContactPoint, ...] = ()
    created_at: datetime | None = None
    external_ref: str | None = None  # id in the core-banking system, if any
    tags: frozenset[str] = field(default_factory=frozenset)
    # Set when an agent confirmed this record is another customer's (domain/customer_matching):
    # the record stays readable, its contact points and cases live on ``merged_into``.
    merged_into: CustomerId | None = None

    def __post_init__(self) -> None:
        if len(self.name) > MAX_NAME_LENGTH:
            raise ValidationError(f"customer name is longer than {MAX_NAME_LENGTH} characters")
        if not self.segment or len(self.segment) > MAX_SEGMENT_LENGTH:
            raise ValidationError(f"segment must be 1..{MAX_SEGMENT_LENGTH} characters")
        kinds_values = [(c.kind, c.value) for c in self.contact_points]
        if len(set(kinds_values)) != len(kinds_values):
            raise ValidationError("the same contact point is listed twice")

    def with_contact(self, point: ContactPoint) -> Customer:
        if point in self.contact_points:
            return self
        return replace(self, contact_points=(*self.contact_points, point))

    def contact(self, kind: ContactKind) -> str | None:
        return next((c.value for c in self.contact_points if c.kind is kind), None)

    def ref(self) -> CustomerRef:
        assert self.id is not None, "a customer not stored yet has no reference"
        return CustomerRef(self.id, self.language, self.segment)


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What threading a message needs of its sender: who, and the defaults of a new case.

    The intake reads only this (one indexed query by contact point), not the whole customer
    with all contact points, for every inbound message (bench/intake.py).
    """

    id: CustomerId
    language: Language
    segment: str
