"""The portal's two forms as the page shows them: the values typed, the problems, the id.

Every form carries a one-time ``submission`` id (``new_submission``): the service stores it
as the message's external id, so sending the same form twice stores one message. A form sent
back with problems keeps its id, so correcting and sending it is still one message; only an
id that is missing or malformed is replaced.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from klantenservice.domain.portal import Field, FormRejected, Problem
from klantenservice.web.portal.labels import problem_text
from klantenservice.web.portal.pages import PortalPages


def new_submission() -> str:
    return secrets.token_urlsafe(24)  # 32 characters of [A-Za-z0-9_-]


@dataclass(frozen=True, slots=True)
class FormView:
    """Values and problems of a form; ``errors[field]`` is the sentence shown at that field."""

    submission: str = field(default_factory=new_submission)
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    @classmethod
    def rejected(
        cls, pages: PortalPages, rejected: FormRejected, submission: str, **values: str
    ) -> FormView:
        errors: dict[str, str] = {}
        for problem in rejected.problems:
            errors.setdefault(problem.field.value, _text(pages, problem))
        keep = Field.SUBMISSION.value not in errors
        return cls(submission if keep else new_submission(), dict(values), errors)


def _text(pages: PortalPages, problem: Problem) -> str:
    return problem_text(problem, pages.gettext, pages.locale)
