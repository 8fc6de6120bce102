"""The SOS form: reporting fraud or a lost card without signing in (PSD2 art. 70(1)(c)).

A customer locked out of the app (a taken-over account, a stolen phone) must still be able to
report at any hour. The form asks only what a person can give under stress: what happened, a
phone number or an e-mail address to be called back on (one is required: the promise is a
human contact), optionally a name, a few words, and whether to block the card now (with the
card's last four digits if they know them; never the full number). ``check_sos`` lists every
problem at once as codes the web layer words in the visitor's language.

Anyone may fill it in, so it proves nothing about identity: the agent who calls back verifies
the customer before anything but the block happens. Blocking a card is the one action taken
unverified, because a wrongly blocked card is an inconvenience and an unblocked stolen one is
not (the bank's own policy may refuse it in the core system).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from klantenservice.domain.customers import ContactKind, ContactPoint
from klantenservice.domain.emergency_detection import EmergencyKind
from klantenservice.domain.emergency_reports import check_last_four
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.portal import SUBMISSION_ID_CHARS

MAX_DESCRIPTION_CHARS = 2_000
MAX_NAME_CHARS = 200
_SUBMISSION_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class SosKind(StrEnum):
    """What happened, as the form offers it; each is one kind of emergency."""

    MONEY_LEAVING = "money_leaving"
    CARD_LOST_OR_STOLEN = "card_lost_or_stolen"
    ACCOUNT_TAKEN_OVER = "account_taken_over"
    PHISHING = "phishing"

    @property
    def emergency(self) -> EmergencyKind:
        return {
            SosKind.MONEY_LEAVING: EmergencyKind.FRAUD,
            SosKind.CARD_LOST_OR_STOLEN: EmergencyKind.LOST_OR_STOLEN_CARD,
            SosKind.ACCOUNT_TAKEN_OVER: EmergencyKind.ACCOUNT_TAKEOVER,
            SosKind.PHISHING: EmergencyKind.PHISHING,
        }[self]


class SosProblem(StrEnum):
    KIND_MISSING = "kind_missing"
    CONTACT_MISSING = "contact_missing"
    PHONE_INVALID = "phone_invalid"
    EMAIL_INVALID = "email_invalid"
    CARD_DIGITS = "card_digits"
    DESCRIPTION_TOO_LONG = "description_too_long"
    NAME_TOO_LONG = "name_too_long"
    SUBMISSION = "submission"


@dataclass(frozen=True, slots=True)
class SosForm:
    kind: SosKind
    contact: ContactPoint  # the phone number when given, else the e-mail address
    other_contact: ContactPoint | None
    name: str
    description: str
    block_card: bool
    card_last_four: str | None
    submission: str


class SosRejected(ValidationError):
    """The form has problems: ``problems`` maps each field to what is wrong with it."""

    def __init__(self, problems: dict[str, SosProblem]) -> None:
        super().__init__("the SOS form has problems: " + ", ".join(sorted(problems)))
        self.problems = problems


def check_sos(
    *,
    kind: str,
    phone: str,
    email: str,
    name: str,
    description: str,
    block_card: bool,
    card_last_four: str,
    submission: str,
) -> SosForm:
    """The form, or ``SosRejected`` with every problem (field -> problem)."""
    problems: dict[str, SosProblem] = {}
    chosen = SosKind(kind) if kind in SosKind.__members__.values() else None
    if chosen is None:
        problems["kind"] = SosProblem.KIND_MISSING
    points: list[ContactPoint] = []
    for field, raw, contact_kind, problem in (
        ("phone", phone, ContactKind.PHONE, SosProblem.PHONE_INVALID),
        ("email", email, ContactKind.EMAIL, SosProblem.EMAIL_INVALID),
    ):
        if raw.strip():
            try:
                points.append(ContactPoint.parse(contact_kind, raw))
            except ValidationError:
                problems[field] = problem
    if not points and "phone" not in problems and "email" not in problems:
        problems["phone"] = SosProblem.CONTACT_MISSING
    digits = None
    try:
        digits = check_last_four(card_last_four)
    except ValidationError:
        problems["card_last_four"] = SosProblem.CARD_DIGITS
    if len(description) > MAX_DESCRIPTION_CHARS:
        problems["description"] = SosProblem.DESCRIPTION_TOO_LONG
    if len(name.strip()) > MAX_NAME_CHARS:
        problems["name"] = SosProblem.NAME_TOO_LONG
    low, high = SUBMISSION_ID_CHARS
    if not low <= len(submission) <= high or not set(submission) <= _SUBMISSION_ALPHABET:
        problems["submission"] = SosProblem.SUBMISSION
    if problems or chosen is None:
        raise SosRejected(problems)
    return SosForm(
        kind=chosen,
        contact=points[0],
        other_contact=points[1] if len(points) > 1 else None,
        name=name.strip(),
        description=description.strip(),
        block_card=block_card,
        card_last_four=digits,
        submission=submission,
    )
