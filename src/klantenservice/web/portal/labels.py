"""What the portal calls things, as gettext msgids: statuses, categories, form problems.

The customer sees a case's status in their words (``domain/portal.customer_status``) and a
form problem as a sentence that says what to do, with numbers in their locale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from babel.numbers import format_decimal

from klantenservice.domain.portal import (
    CustomerStatus,
    Field,
    PortalCategory,
    Problem,
    ProblemKind,
)
from klantenservice.web.desk.labels import CHANNEL, N_

STATUS: Mapping[CustomerStatus, str] = MappingProxyType(
    {
        CustomerStatus.RECEIVED: N_("Received"),
        CustomerStatus.IN_PROGRESS: N_("In progress"),
        CustomerStatus.WAITING_FOR_YOU: N_("Waiting for your reply"),
        CustomerStatus.RESOLVED: N_("Resolved"),
        CustomerStatus.CLOSED: N_("Closed"),
    }
)
CATEGORY: Mapping[PortalCategory, str] = MappingProxyType(
    {
        PortalCategory.PAYMENTS: N_("Payments and transfers"),
        PortalCategory.CARDS: N_("Cards and PIN"),
        PortalCategory.ACCOUNT: N_("My account and personal details"),
        PortalCategory.SAVINGS: N_("Savings and investments"),
        PortalCategory.LOANS: N_("Loans and mortgages"),
        PortalCategory.FRAUD: N_("Fraud, or a lost or stolen card"),
        PortalCategory.COMPLAINT: N_("A complaint"),
        PortalCategory.OTHER: N_("Something else"),
    }
)
PROBLEMS: Mapping[tuple[Field, ProblemKind], str] = MappingProxyType(
    {
        (Field.CATEGORY, ProblemKind.MISSING): N_("Choose what your question is about."),
        (Field.CATEGORY, ProblemKind.UNKNOWN): N_("Choose what your question is about."),
        (Field.SUBJECT, ProblemKind.MISSING): N_("Fill in a subject."),
        (Field.SUBJECT, ProblemKind.TOO_LONG): N_(
            "The subject is %(size)s characters long; it can be at most %(limit)s."
        ),
        (Field.BODY, ProblemKind.MISSING): N_("Write your message."),
        (Field.BODY, ProblemKind.TOO_LONG): N_(
            "Your message is %(size)s characters long; it can be at most %(limit)s. "
            "Shorten it, or send it in two parts."
        ),
        (Field.SUBMISSION, ProblemKind.MISSING): N_(
            "This form had expired, so nothing was sent. Your text is still here: send it again."
        ),
    }
)


def problem_text(problem: Problem, gettext: Callable[[str], str], locale: str) -> str:
    """The problem as a sentence in the page's language (numbers formatted for it)."""
    text = gettext(PROBLEMS[(problem.field, problem.kind)])
    if problem.kind is ProblemKind.TOO_LONG:
        return text % {
            "size": format_decimal(problem.size, locale=locale),
            "limit": format_decimal(problem.limit, locale=locale),
        }
    return text


ALL: Mapping[str, Mapping[Any, str]] = MappingProxyType(
    {"status": STATUS, "category": CATEGORY, "channel": CHANNEL}
)
"""Exposed to the templates as ``labels``: ``_(labels.status[case.status])``."""
