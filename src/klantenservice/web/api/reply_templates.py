"""Reply templates: ``/api/v1/admin/reply-templates`` (administrators, ``template_manage``).

Agents do not use this API: the case page offers them the templates of the customer's
language, filled in (``services/case_view.py``). Every change is audited by the service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from klantenservice.domain.reply_templates import VARIABLES, ReplyTemplateId
from klantenservice.domain.vocabulary import Language
from klantenservice.services import reply_templates
from klantenservice.services.reply_templates import TemplateChange
from klantenservice.web.deps import CurrentActor, Now, Uow
from klantenservice.web.schemas.reply_templates import (
    ReplyTemplateIn,
    ReplyTemplateOut,
    ReplyTemplatePatch,
    TemplateVariableOut,
)

router = APIRouter(prefix="/admin/reply-templates", tags=["admin"])

TemplateIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="the template's id")]


@router.get("")
def list_templates(
    actor: CurrentActor, uow: Uow, language: Language | None = None
) -> list[ReplyTemplateOut]:
    """Every template (of one language, if given), by name."""
    found = reply_templates.list_templates(uow(read_only=True), actor=actor, language=language)
    return [ReplyTemplateOut.of(t) for t in found]


@router.get("/variables")
def template_variables(actor: CurrentActor) -> list[TemplateVariableOut]:
    """The variables a template's text may use, and what each becomes on a case."""
    reply_templates.check_may_manage(actor)
    return [TemplateVariableOut(name=n, description=d) for n, d in VARIABLES.items()]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_template(
    body: ReplyTemplateIn, actor: CurrentActor, uow: Uow, now: Now
) -> ReplyTemplateOut:
    """A new template; its name is unique within its language (409 otherwise)."""
    created = reply_templates.create_template(
        uow(), actor=actor, name=body.name, language=body.language, body=body.body, now=now
    )
    return ReplyTemplateOut.of(created)


@router.get("/{template_id}")
def get_template(template_id: TemplateIdPath, actor: CurrentActor, uow: Uow) -> ReplyTemplateOut:
    found = reply_templates.get_template(
        uow(read_only=True), actor=actor, template_id=ReplyTemplateId(template_id)
    )
    return ReplyTemplateOut.of(found)


@router.patch("/{template_id}")
def update_template(
    template_id: TemplateIdPath, body: ReplyTemplatePatch, actor: CurrentActor, uow: Uow, now: Now
) -> ReplyTemplateOut:
    """Change the name, language or text; fields left out stay as they are."""
    change = TemplateChange(name=body.name, language=body.language, body=body.body)
    updated = reply_templates.update_template(
        uow(), actor=actor, template_id=ReplyTemplateId(template_id), change=change, now=now
    )
    return ReplyTemplateOut.of(updated)


@router.delete("/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_template(
    template_id: TemplateIdPath, actor: CurrentActor, uow: Uow, now: Now
) -> Response:
    reply_templates.delete_template(
        uow(), actor=actor, template_id=ReplyTemplateId(template_id), now=now
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
