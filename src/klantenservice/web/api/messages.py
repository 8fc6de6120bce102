"""Inbound messages from integrations (the intake hot path), replies and notes on a case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import messages
from klantenservice.services.inbound import IntakeRequest
from klantenservice.web import json_body
from klantenservice.web.deps import AppContext, CurrentActor, Now, Paging, Uow, token_of
from klantenservice.web.schemas.common import PageOut
from klantenservice.web.schemas.messages import InboundIn, IntakeOut, MessageOut, NoteIn, ReplyIn

router = APIRouter(tags=["messages"])

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255

# The intake route reads its body and header itself (web/json_body.py); this documents them.
INTAKE_OPENAPI: dict[str, Any] = {
    "security": [{"HTTPBearer": []}, {"APIKeyCookie": []}],
    "parameters": [
        {
            "name": IDEMPOTENCY_HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
            "description": "used as external_id when the body has none: a retry stores nothing new",
        }
    ],
    "requestBody": json_body.openapi_of(InboundIn),
}


@router.post(
    "/messages/inbound",
    status_code=status.HTTP_201_CREATED,
    response_model=IntakeOut,
    responses={200: {"model": IntakeOut, "description": "already received (duplicate)"}},
    openapi_extra=INTAKE_OPENAPI,
)
async def receive_inbound(request: Request) -> Response:
    """Store a customer's message, thread it into a case, route it and start its clocks.

    Idempotent on ``(channel, external_id)``: a repeat answers 200 with ``duplicate: true``
    and the ids of the first delivery.

    Concurrent requests are written together, one transaction per batch (group commit); the
    token is checked inside that transaction, so a revoked token is refused at once. This is
    the hot path: it takes the bare request and reads token, header and body itself, because
    FastAPI's per-parameter machinery costs more than the rest of the request (bench/intake.py).
    """
    token = await token_of(request)
    body = await json_body.parse(request, InboundIn)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise ValidationError(f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    context: AppContext = request.app.state.context
    inbound = body.to_domain(idempotency_key=key)
    result = await context.intake_writer.submit(IntakeRequest(inbound, token=token))
    code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
    return Response(IntakeOut.of(result).model_dump_json(), code, media_type=json_body.JSON)


@router.get("/cases/{case_id}/messages")
def case_messages(
    case_id: int, actor: CurrentActor, uow: Uow, now: Now, page: Paging
) -> PageOut[MessageOut]:
    """The case's messages, with those of cases merged into it, oldest first (audited)."""
    found = messages.case_messages(
        uow(), actor=actor, case_id=CaseId(case_id), after=page.after, limit=page.limit, now=now
    )
    return PageOut(items=[MessageOut.of(m) for m in found.items], next_after=found.next_after)


@router.post("/cases/{case_id}/replies", status_code=status.HTTP_201_CREATED)
def reply(case_id: int, body: ReplyIn, actor: CurrentActor, uow: Uow, now: Now) -> MessageOut:
    """A public answer to the customer; sent by the outbox worker after commit."""
    message = messages.reply_to_case(
        uow(), actor=actor, case_id=CaseId(case_id), body=body.body, now=now, channel=body.channel
    )
    return MessageOut.of(message)


@router.post("/cases/{case_id}/notes", status_code=status.HTTP_201_CREATED)
def add_note(case_id: int, body: NoteIn, actor: CurrentActor, uow: Uow, now: Now) -> MessageOut:
    """An internal note: staff only, never sent to the customer."""
    message = messages.add_note(
        uow(), actor=actor, case_id=CaseId(case_id), body=body.body, now=now
    )
    return MessageOut.of(message)
