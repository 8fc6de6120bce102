"""Replies and notes on a case, and a case's messages (the intake endpoint is in intake.py)."""

from __future__ import annotations

from fastapi import APIRouter, status

from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import messages
from klantenservice.web.deps import CurrentActor, Now, Paging, Uow
from klantenservice.web.schemas.common import PageOut
from klantenservice.web.schemas.messages import MessageOut, NoteIn, ReplyIn

router = APIRouter(tags=["messages"])


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
