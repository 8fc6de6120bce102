"""The record of an emergency report, its reference, its retention and the card-block request.

PSD2 art. 70(1)(c): the payment service provider must be able to prove, for 18 months after a
notification of loss, theft or misuse, that the user made it. So every report gets, at once and
whether or not an agent is free:

- a **reference** the customer can quote (``SOS-7K3F-9QXW``: 8 characters of Crockford base32,
  40 random bits, no 0/O or 1/I/L to misread on the phone);
- the **time of receipt to the second** (UTC; shown in the customer's time zone);
- the channel, how it was recognised, the kind, and the instrument (a card's last four digits
  only: the full number is never asked for or kept, PSD2 art. 70(1)(a));
- a **retention date** at least 18 months later (``RETENTION``); nothing purges it before.

The report itself is immutable: what happens next (the card block, the case) is recorded beside
it. A **card block** requested by the customer needs no agent (PSD2 art. 70(1)(d)-(e)): it is
sent to the core-banking system after commit, retried until the system confirms, and a refusal
or an exhausted retry raises an alert instead of disappearing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from klantenservice.domain.emergency_detection import EmergencyKind
from klantenservice.domain.errors import InvalidTransition, ValidationError
from klantenservice.domain.vocabulary import CaseId, Channel, CustomerId, Language

RETENTION = relativedelta(months=18)
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_REFERENCE = re.compile(r"^SOS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
_LAST_FOUR = re.compile(r"^[0-9]{4}$")


class ReportVia(StrEnum):
    """How the report reached us."""

    SOS_FORM = "sos_form"  # the public form, no sign-in needed
    DETECTED = "detected"  # recognised in a message's text (domain/emergency_detection.py)
    IVR_OPTION = "ivr_option"  # the phone menu's emergency option
    EMERGENCY_NUMBER = "emergency_number"  # the dedicated 24/7 number
    MARKED = "marked"  # the sender (portal form, integration) marked it an emergency


def new_reference(random_bytes: bytes) -> str:
    """``SOS-XXXX-XXXX`` from 5 random bytes (the caller passes ``secrets.token_bytes(5)``)."""
    if len(random_bytes) != 5:
        raise ValueError("a reference takes exactly 5 random bytes")
    number = int.from_bytes(random_bytes, "big")
    chars = "".join(_ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5))
    return f"SOS-{chars[:4]}-{chars[4:]}"


def normalise_reference(text: str) -> str | None:
    """What a customer types (lower case, no dashes, O for 0) as a stored reference, or None."""
    compact = re.sub(r"[\s-]", "", text.strip().upper())
    compact = compact.translate(str.maketrans("OIL", "011"))
    if compact.startswith("S0S"):  # "SOS" itself went through the O->0 mapping
        compact = "SOS" + compact[3:]
    candidate = f"{compact[:3]}-{compact[3:7]}-{compact[7:]}"
    return candidate if _REFERENCE.match(candidate) else None


def check_last_four(digits: str | None) -> str | None:
    """A card's last four digits, or None. A full card number is refused, never stored."""
    if digits is None or not digits.strip():
        return None
    cleaned = re.sub(r"[\s-]", "", digits)
    if not _LAST_FOUR.match(cleaned):
        raise ValidationError(
            "give only the last 4 digits of the card; we never ask for the full card number"
        )
    return cleaned


def retained_until(reported_at: datetime) -> datetime:
    """The earliest moment the record may be purged: 18 months after the report."""
    moment: datetime = reported_at + RETENTION
    return moment


@dataclass(frozen=True, slots=True)
class EmergencyReport:
    id: int | None
    reference: str
    reported_at: datetime
    channel: Channel
    via: ReportVia
    kind: EmergencyKind | None  # None: a call to the emergency option says nothing of the kind
    case_id: CaseId
    customer_id: CustomerId
    language: Language
    card_last_four: str | None = None
    retain_until: datetime | None = None

    def __post_init__(self) -> None:
        if self.reported_at.tzinfo is None:
            raise ValueError("reports carry tz-aware UTC times")
        if self.reported_at.microsecond:
            raise ValueError("a report's time is kept to the second (it is quoted to customers)")

    @property
    def purge_after(self) -> datetime:
        return self.retain_until or retained_until(self.reported_at)

    def may_purge(self, now: datetime) -> bool:
        return now >= self.purge_after


class BlockStatus(StrEnum):
    REQUESTED = "requested"  # stored with the report; the worker sends it after commit
    BLOCKED = "blocked"  # the core-banking system confirmed
    FAILED = "failed"  # refused, or retries exhausted: an alert was raised


@dataclass(frozen=True, slots=True)
class CardBlock:
    """The customer's request to block a card, and what the core-banking system answered."""

    id: int | None
    report_id: int
    requested_at: datetime
    card_last_four: str | None
    status: BlockStatus = BlockStatus.REQUESTED
    attempts: int = 0
    last_error: str | None = None
    core_reference: str | None = None
    settled_at: datetime | None = None

    def attempted(self, error: str) -> CardBlock:
        self._require_open()
        return replace(self, attempts=self.attempts + 1, last_error=error[:200])

    def blocked(self, core_reference: str, at: datetime) -> CardBlock:
        self._require_open()
        return replace(
            self,
            status=BlockStatus.BLOCKED,
            attempts=self.attempts + 1,
            core_reference=core_reference[:64],
            last_error=None,
            settled_at=at,
        )

    def failed(self, error: str, at: datetime) -> CardBlock:
        self._require_open()
        return replace(
            self,
            status=BlockStatus.FAILED,
            attempts=self.attempts + 1,
            last_error=error[:200],
            settled_at=at,
        )

    def _require_open(self) -> None:
        if self.status is not BlockStatus.REQUESTED:
            raise InvalidTransition(f"the card block is already {self.status.value}")
