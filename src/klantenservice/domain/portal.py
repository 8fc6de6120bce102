"""What a customer sees and writes in the portal: their cases, in their words.

The portal shows a customer their own cases and, of each case, the conversation between them
and the bank. It never shows what staff keep for themselves: internal notes, the assignee,
queue, priority, tags, promise clocks, routing reasons. ``visible_to_customer`` is the one rule
for messages; ``customer_status`` says a case's status the way a customer would (an internal
hand-over is still "in progress" to them).

The web form opens a new case with a category the customer picks (``PortalCategory``); fraud
or a lost or stolen card goes to the emergency lane (``Priority.EMERGENCY``, PRODUCT.md §4).
``form_problems`` lists everything wrong with a form at once, as codes the web layer words in
the customer's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.messages import MAX_BODY_BYTES, Message
from klantenservice.domain.vocabulary import Channel, Direction, Priority

MAX_SUBJECT_CHARS = 200
MAX_BODY_CHARS = 10_000  # about four pages; well under the store's 1 MB per message
SUBMISSION_ID_CHARS = (16, 64)
_SUBMISSION_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

assert MAX_BODY_CHARS * 4 <= MAX_BODY_BYTES  # any accepted body fits the store (UTF-8 ≤ 4 B)


class CustomerStatus(StrEnum):
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_YOU = "waiting_for_you"
    RESOLVED = "resolved"
    CLOSED = "closed"


_CUSTOMER_STATUS = {
    CaseStatus.NEW: CustomerStatus.RECEIVED,
    CaseStatus.OPEN: CustomerStatus.IN_PROGRESS,
    CaseStatus.PENDING_INTERNAL: CustomerStatus.IN_PROGRESS,
    CaseStatus.PENDING_CUSTOMER: CustomerStatus.WAITING_FOR_YOU,
    CaseStatus.RESOLVED: CustomerStatus.RESOLVED,
    CaseStatus.CLOSED: CustomerStatus.CLOSED,
}


def customer_status(status: CaseStatus) -> CustomerStatus:
    """The status as the customer sees it (internal hand-overs are "in progress")."""
    return _CUSTOMER_STATUS[status]


def visible_to_customer(message: Message) -> bool:
    """Messages between the customer and the bank; never an internal note."""
    return message.direction is not Direction.INTERNAL and message.channel is not (
        Channel.INTERNAL_NOTE
    )


class PortalCategory(StrEnum):
    """What a new question is about; stored as the case's category."""

    PAYMENTS = "payments"
    CARDS = "cards"
    ACCOUNT = "account"
    SAVINGS = "savings_investments"
    LOANS = "loans_mortgages"
    FRAUD = "fraud"
    COMPLAINT = "complaint"
    OTHER = "other"

    @property
    def priority(self) -> Priority:
        """Fraud and lost or stolen cards go to the emergency lane; the rest is normal."""
        return Priority.EMERGENCY if self is PortalCategory.FRAUD else Priority.NORMAL


class Field(StrEnum):
    CATEGORY = "category"
    SUBJECT = "subject"
    BODY = "body"
    SUBMISSION = "submission"


class ProblemKind(StrEnum):
    MISSING = "missing"
    TOO_LONG = "too_long"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a form field; ``limit`` for ``too_long``, ``size`` what was sent."""

    field: Field
    kind: ProblemKind
    limit: int = 0
    size: int = 0

    def describe(self) -> str:
        if self.kind is ProblemKind.TOO_LONG:
            return f"{self.field.value} is {self.size} characters; the limit is {self.limit}"
        if self.kind is ProblemKind.UNKNOWN:
            return f"{self.field.value} is not one of the choices"
        return f"{self.field.value} is empty"


class FormRejected(ValidationError):
    """A portal form with one or more problems; nothing was stored."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(problem.describe() for problem in problems))
        self.problems = tuple(problems)


def _text_problems(field: Field, value: str, limit: int) -> list[Problem]:
    if not value.strip():
        return [Problem(field, ProblemKind.MISSING)]
    if len(value) > limit:
        return [Problem(field, ProblemKind.TOO_LONG, limit=limit, size=len(value))]
    return []


def body_problems(body: str) -> list[Problem]:
    return _text_problems(Field.BODY, body, MAX_BODY_CHARS)


def submission_problems(submission: str) -> list[Problem]:
    """The form's one-time id (idempotency against a double submit) must look like ours."""
    low, high = SUBMISSION_ID_CHARS
    if not low <= len(submission) <= high or not set(submission) <= _SUBMISSION_ALPHABET:
        return [Problem(Field.SUBMISSION, ProblemKind.MISSING)]
    return []


def parse_category(value: str) -> PortalCategory | None:
    try:
        return PortalCategory(value)
    except ValueError:
        return None


def form_problems(*, category: str, subject: str, body: str, submission: str) -> list[Problem]:
    """Everything wrong with a new-question form, in the order of the fields."""
    problems: list[Problem] = []
    if not category:
        problems.append(Problem(Field.CATEGORY, ProblemKind.MISSING))
    elif parse_category(category) is None:
        problems.append(Problem(Field.CATEGORY, ProblemKind.UNKNOWN))
    problems += _text_problems(Field.SUBJECT, subject, MAX_SUBJECT_CHARS)
    problems += body_problems(body)
    problems += submission_problems(submission)
    return problems


def clean_subject(subject: str) -> str:
    """One line: newlines and runs of spaces in a subject become single spaces."""
    return " ".join(subject.split())
