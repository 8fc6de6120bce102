"""Reply templates (standaardantwoorden): canned answers with variables, one per language.

An administrator writes a template once, in Dutch and in English, with variables such as
``$customer_first_name`` or ``${case_reference}``; an agent picks it on the case page and
gets the text filled in for that case, to edit before sending.

Why ``string.Template`` with a fixed list of variables, and never Jinja: the text is written
in a web form by people, and a template language runs expressions on our objects (sandbox
escapes are a known class of bugs) or produces mark-up. ``$name`` substitution of a few
plain-text values can do nothing else. The filled text is plain text: the desk puts it into a
textarea, escaped like every other customer-facing text.

Rules enforced here:
- a template's text uses only the variables in ``VARIABLES``; an unknown one, or a ``$`` that
  starts no variable, is refused when the template is saved, with the list of what is allowed
  (``$$`` is a literal dollar sign);
- name 1..100 characters, text 1..10,000 characters (a reply, not a brochure);
- filling never fails: a value that is unknown for a case (an anonymous chat has no name)
  becomes an empty string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from string import Template
from types import MappingProxyType
from typing import NewType

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import Language

ReplyTemplateId = NewType("ReplyTemplateId", int)

MAX_NAME_LENGTH = 100
MAX_BODY_LENGTH = 10_000

VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        "customer_name": "the customer's full name",
        "customer_first_name": "the customer's first name (the first word of the name)",
        "case_reference": "the case reference, e.g. KS-000123",
        "case_subject": "the subject of the case",
        "agent_name": "the full name of the agent who sends the reply",
        "agent_first_name": "the first name of the agent who sends the reply",
    }
)
"""The variables a template may use, with what each becomes (the admin API lists them)."""


def check_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationError(f"a template name must be 1..{MAX_NAME_LENGTH} characters")
    return cleaned


def check_body(body: str) -> str:
    """The text, if it is not empty, not too long and uses only known variables."""
    if not body.strip():
        raise ValidationError("a template's text is empty")
    if len(body) > MAX_BODY_LENGTH:
        raise ValidationError(
            f"a template's text is {len(body)} characters; the limit is {MAX_BODY_LENGTH}"
        )
    template = Template(body)
    allowed = ", ".join(f"${name}" for name in VARIABLES)
    if not template.is_valid():
        raise ValidationError(
            f"a '$' in the text starts no variable; use one of {allowed}, or write '$$' for "
            "a dollar sign"
        )
    unknown = sorted(set(template.get_identifiers()) - set(VARIABLES))
    if unknown:
        names = ", ".join(f"${name}" for name in unknown)
        raise ValidationError(f"unknown variable(s) {names}; a template may use {allowed}")
    return body


@dataclass(frozen=True, slots=True)
class ReplyTemplate:
    id: ReplyTemplateId | None
    name: str
    language: Language
    body: str
    updated_at: datetime | None = None

    def __post_init__(self) -> None:
        check_name(self.name)
        check_body(self.body)


def first_name(full_name: str) -> str:
    """The first word of a name ("Jan" of "Jan de Vries"); "" for a name that is blank."""
    words = full_name.split()
    return words[0] if words else ""


@dataclass(frozen=True, slots=True)
class TemplateValues:
    """What the variables stand for on one case, for one agent."""

    customer_name: str
    case_reference: str
    case_subject: str
    agent_name: str

    def as_mapping(self) -> dict[str, str]:
        return {
            "customer_name": self.customer_name,
            "customer_first_name": first_name(self.customer_name),
            "case_reference": self.case_reference,
            "case_subject": self.case_subject,
            "agent_name": self.agent_name,
            "agent_first_name": first_name(self.agent_name),
        }


def fill(template: ReplyTemplate, values: TemplateValues) -> str:
    """The template's text with its variables replaced: plain text, never mark-up.

    ``safe_substitute``: a text stored before a variable was retired keeps its ``$name``
    visibly instead of failing the whole case page.
    """
    return Template(template.body).safe_substitute(values.as_mapping())
