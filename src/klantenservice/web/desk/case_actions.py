"""Working on a case from its page: reply, internal note, take, status, priority, tags.

Every route is a form post (CSRF-checked by ``session.py`` before anything is read), calls
one service and answers through ``case_render.after_action``: for htmx the notice and the
changed parts, for a plain form a 303 back to the page. Refusals are the desk's error
answers (``errors.py``; htmx shows them in the alert region) and change nothing:

    empty or longer than 10,000 characters   422, checked here before any service call
    another agent's case                     403 from access.get_case_to_work_on
    closed case, illegal status change       409 from the domain
    unknown case                             404

Typed text is stored as typed (only CRLF line ends made plain) and always shown as text.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from klantenservice.domain.cases import CaseStatus
from klantenservice.domain.errors import PermissionDenied, ValidationError
from klantenservice.domain.vocabulary import CaseId, Priority
from klantenservice.services import cases, messages
from klantenservice.services.cases import CaseEdit
from klantenservice.web.deps import Now, Uow
from klantenservice.web.desk.case import CaseIdPath
from klantenservice.web.desk.case_render import ALL_PARTS, LIVE_PARTS, after_action, checked_text
from klantenservice.web.desk.pages import PageRenderer
from klantenservice.web.desk.session import Session

router = APIRouter()

Text = Annotated[str, Form()]
CHANGED = LIVE_PARTS | {"actions"}


@router.post("/cases/{case_id}/reply")
def reply(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    body: Text = "",
) -> Response:
    """A public answer on the case's channel (sent by the outbox worker after commit)."""
    text = checked_text(pages, body, kind="reply")
    messages.reply_to_case(uow(), actor=session.actor, case_id=CaseId(case_id), body=text, now=now)
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="reply", parts=CHANGED | {"reply"}
    )


@router.post("/cases/{case_id}/note")
def note(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    body: Text = "",
) -> Response:
    """An internal note: staff only, never sent, no promise clock moves."""
    text = checked_text(pages, body, kind="note")
    messages.add_note(uow(), actor=session.actor, case_id=CaseId(case_id), body=text, now=now)
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="note", parts=LIVE_PARTS | {"note"}
    )


@router.post("/cases/{case_id}/take")
def take(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
) -> Response:
    """Assign an unassigned case to yourself (capacity checked)."""
    agent_id = session.actor.agent_id
    if agent_id is None:
        raise PermissionDenied("only agents take cases; this account has no agent profile")
    cases.assign_case(
        uow(), actor=session.actor, case_id=CaseId(case_id), agent_id=agent_id, now=now
    )
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="take", parts=ALL_PARTS
    )


@router.post("/cases/{case_id}/status")
def change_status(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    status: Annotated[CaseStatus, Form()],
) -> Response:
    cases.change_status(uow(), actor=session.actor, case_id=CaseId(case_id), status=status, now=now)
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="status", parts=ALL_PARTS
    )


@router.post("/cases/{case_id}/priority")
def change_priority(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    priority: Annotated[str, Form(max_length=20)],
) -> Response:
    cases.change_priority(
        uow(),
        actor=session.actor,
        case_id=CaseId(case_id),
        priority=Priority.parse(priority),
        now=now,
    )
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="priority", parts=CHANGED
    )


@router.post("/cases/{case_id}/tags")
def change_tags(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    add: Annotated[str, Form(max_length=1000)] = "",
    remove: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Add tags (comma-separated) or remove one; the domain normalises and limits them."""
    added = frozenset(t for t in (part.strip() for part in add.split(",")) if t)
    removed = frozenset({remove.strip()} - {""})
    if not added and not removed:
        raise ValidationError("type a tag to add (several: separate them with commas)")
    edit = CaseEdit(add_tags=added, remove_tags=removed)
    cases.edit_case(uow(), actor=session.actor, case_id=CaseId(case_id), edit=edit, now=now)
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="tags", parts=CHANGED
    )
