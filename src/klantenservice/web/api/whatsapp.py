"""Agents' WhatsApp actions beyond a reply: an approved template outside the 24-hour window.

A free-form reply goes through ``POST /cases/{id}/replies`` like on every channel; outside the
window it is refused (409) and the agent sends a template here instead.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from pydantic import Field

from klantenservice.domain.vocabulary import CaseId
from klantenservice.domain.whatsapp import TemplateRegistry
from klantenservice.services import messaging
from klantenservice.web.deps import AppContext, CurrentActor, Now, Uow
from klantenservice.web.schemas.common import RequestModel
from klantenservice.web.schemas.messages import MessageOut

router = APIRouter(tags=["messages"])


class TemplateIn(RequestModel):
    name: str = Field(min_length=1, max_length=512, examples=["pas_geblokkeerd"])
    language: str = Field(min_length=2, max_length=16, examples=["nl"])
    parameters: list[str] = Field(default_factory=list, max_length=20)


@router.post("/cases/{case_id}/whatsapp-templates", status_code=status.HTTP_201_CREATED)
def send_template(
    case_id: int, body: TemplateIn, request: Request, actor: CurrentActor, uow: Uow, now: Now
) -> MessageOut:
    """Send an approved WhatsApp template (name, language, parameters) to the case's customer."""
    context: AppContext = request.app.state.context
    registry = TemplateRegistry.from_mapping(context.settings.whatsapp_templates)
    message = messaging.send_whatsapp_template(
        uow(),
        actor=actor,
        case_id=CaseId(case_id),
        name=body.name,
        language=body.language,
        parameters=body.parameters,
        registry=registry,
        now=now,
    )
    return MessageOut.of(message)
