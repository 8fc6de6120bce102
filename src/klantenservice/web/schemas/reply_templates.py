"""Reply templates: the admin API's shapes (``api/reply_templates.py``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from klantenservice.domain.reply_templates import MAX_BODY_LENGTH, MAX_NAME_LENGTH, ReplyTemplate
from klantenservice.domain.vocabulary import Language
from klantenservice.web.schemas.common import RequestModel, ResponseModel

BODY_HELP = (
    "plain text; variables: $customer_name, $customer_first_name, $case_reference, "
    "$case_subject, $agent_name, $agent_first_name (write $$ for a dollar sign)"
)


class ReplyTemplateIn(RequestModel):
    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["Pas geblokkeerd"])
    language: Language
    body: str = Field(
        min_length=1,
        max_length=MAX_BODY_LENGTH,
        description=BODY_HELP,
        examples=["Beste $customer_first_name,\n\nDank voor uw bericht over $case_reference."],
    )


class ReplyTemplatePatch(RequestModel):
    """Only the fields given change."""

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_LENGTH)
    language: Language | None = None
    body: str | None = Field(
        default=None, min_length=1, max_length=MAX_BODY_LENGTH, description=BODY_HELP
    )


class ReplyTemplateOut(ResponseModel):
    id: int
    name: str
    language: Language
    body: str
    updated_at: datetime | None

    @classmethod
    def of(cls, template: ReplyTemplate) -> ReplyTemplateOut:
        assert template.id is not None
        return cls(
            id=template.id,
            name=template.name,
            language=template.language,
            body=template.body,
            updated_at=template.updated_at,
        )


class TemplateVariableOut(ResponseModel):
    name: str
    description: str
