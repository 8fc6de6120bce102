"""WhatsApp rules: the 24-hour customer-service window and approved message templates.

WhatsApp lets a business answer freely only within 24 hours of the customer's last message to
it (the *customer-service window*). Outside the window only a template Meta approved may be
sent, with its name, language and the values of its ``{{1}}``, ``{{2}}``... placeholders. The
rule is checked here, before an agent's message is stored, so a refused reply never reaches the
outbox; the bank's approved templates come from configuration as a ``TemplateRegistry``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from klantenservice.domain.errors import InvalidTransition, NotFound, ValidationError

SERVICE_WINDOW = timedelta(hours=24)
MAX_PARAMETER_LENGTH = 1024  # Meta's limit for a body parameter's text
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
_FORBIDDEN_IN_PARAMETER = re.compile(r"[\n\t]| {5,}")  # Meta refuses these in parameters

# Status callbacks of the Cloud API, in the order a message moves through them.
STATUSES = ("sent", "delivered", "read", "failed")


def window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """Is the customer-service window open at ``now``? Closed when the customer never wrote."""
    return last_inbound_at is not None and now < last_inbound_at + SERVICE_WINDOW


def check_free_form_allowed(last_inbound_at: datetime | None, now: datetime) -> None:
    """Refuse a free-form WhatsApp reply outside the window, saying what is allowed instead."""
    if window_open(last_inbound_at, now):
        return
    if last_inbound_at is None:
        why = "the customer has not written to us on WhatsApp"
    else:
        closed = (last_inbound_at + SERVICE_WINDOW).isoformat(timespec="minutes")
        why = f"the 24-hour window since the customer's last WhatsApp message closed at {closed}"
    raise InvalidTransition(
        f"a free-form WhatsApp reply is not allowed: {why}; send an approved template instead"
    )


@dataclass(frozen=True, slots=True)
class Template:
    """An approved template: ``body`` is its text with ``{{1}}``... as Meta shows it."""

    name: str
    language: str  # Meta's language code: "nl", "en", "en_US"
    body: str

    @property
    def parameter_count(self) -> int:
        return max((int(found) for found in _PLACEHOLDER.findall(self.body)), default=0)

    def render(self, parameters: Sequence[str]) -> str:
        """The text the customer receives; refuses a wrong number or form of parameters."""
        if len(parameters) != self.parameter_count:
            raise ValidationError(
                f"template {self.name!r} ({self.language}) takes {self.parameter_count} "
                f"parameters, {len(parameters)} given"
            )
        for position, value in enumerate(parameters, start=1):
            if not value.strip():
                raise ValidationError(f"template parameter {position} is empty")
            if len(value) > MAX_PARAMETER_LENGTH or _FORBIDDEN_IN_PARAMETER.search(value):
                raise ValidationError(
                    f"template parameter {position} must be at most {MAX_PARAMETER_LENGTH} "
                    "characters without line breaks, tabs or more than 4 spaces in a row"
                )
        return _PLACEHOLDER.sub(lambda found: parameters[int(found.group(1)) - 1], self.body)


class TemplateRegistry:
    """The approved templates by name and language."""

    def __init__(self, templates: Sequence[Template] = ()) -> None:
        self._by_key = {(template.name, template.language): template for template in templates}

    @classmethod
    def from_mapping(cls, config: Mapping[str, Mapping[str, str]]) -> TemplateRegistry:
        """``{"name": {"nl": "body with {{1}}", "en": "..."}}``, as configured in settings."""
        return cls(
            [
                Template(name, language, body)
                for name, bodies in config.items()
                for language, body in bodies.items()
            ]
        )

    def get(self, name: str, language: str) -> Template:
        found = self._by_key.get((name, language))
        if found is None:
            raise NotFound(f"no approved WhatsApp template {name!r} in language {language!r}")
        return found

    def __len__(self) -> int:
        return len(self._by_key)
