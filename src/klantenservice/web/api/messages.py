"""Inbound messages from integrations (the intake hot path), replies and notes on a case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import inbound, messages
from klantenservice.web.deps import Context, CurrentActor, Now, Paging, Uow
from klantenservice.web.schemas.common import PageOut
from klantenservice.web.schemas.messages import InboundIn, IntakeOut, MessageOut, NoteIn, ReplyIn

router = APIRouter(tags=["messages"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="used as external_id when the body has none: a retry stores nothing new",
    ),
]


@router.post(
    "/messages/inbound",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": IntakeOut, "description": "already received (duplicate)"}},
)
def receive_inbound(
    body: InboundIn,
    actor: CurrentActor,
    context: Context,
    now: Now,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> IntakeOut:
    """Store a customer's message, thread it into a case, route it and start its clocks.

    Idempotent on ``(channel, external_id)``: a repeat answers 200 with ``duplicate: true``
    and the ids of the first delivery.
    """
    result = inbound.receive_message(
        context.uow_factory,
        actor=actor,
        inbound=body.to_domain(idempotency_key=idempotency_key),
        now=now,
        options=context.intake,
    )
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return IntakeOut.of(result)


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
