"""Handing a case on from its page: transfer to a queue or an agent, merge another case in.

    POST /desk/cases/{id}/transfer      queue_id, agent_id (supervisors), note
                                        → services/transfer.transfer_case (one transaction)
    POST /desk/cases/{id}/merge/check   reference ("KS-000123" or "123") → the confirmation:
                                        what will be merged, with Merge and Cancel
    POST /desk/cases/{id}/merge         source_id, after the confirmation → cases.merge_cases

The check changes nothing (``services/case_merge.merge_preview`` applies the domain's merge
rules without saving); the merge itself checks everything again under row locks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from klantenservice.domain.errors import ValidationError
from klantenservice.domain.vocabulary import AgentId, CaseId, QueueId
from klantenservice.services import case_merge, cases
from klantenservice.services.transfer import Transfer, transfer_case
from klantenservice.web.deps import Now, Uow
from klantenservice.web.desk.case import MAX_ID, CaseIdPath
from klantenservice.web.desk.case_render import (
    ALL_PARTS,
    after_action,
    checked_text,
    page_values,
    read_page,
    render_page,
)
from klantenservice.web.desk.inbox import Profile
from klantenservice.web.desk.pages import PageRenderer, is_htmx
from klantenservice.web.desk.session import Session

router = APIRouter()


def _optional_id(name: str, raw: str) -> int | None:
    """A select's value: "" for none, else a positive id."""
    value = raw.strip()
    if not value:
        return None
    if not value.isdigit() or not 0 < int(value) <= MAX_ID:
        raise ValidationError(f"{name}: {raw[:20]!r} is not an id")
    return int(value)


@router.post("/cases/{case_id}/transfer")
def transfer(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    queue_id: Annotated[str, Form(max_length=20)] = "",
    agent_id: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """To another queue (released, back in line) or to an agent; the note becomes a note."""
    queue = _optional_id("queue_id", queue_id)
    agent = _optional_id("agent_id", agent_id)
    wanted = Transfer(
        queue_id=None if queue is None else QueueId(queue),
        agent_id=None if agent is None else AgentId(agent),
        note=checked_text(pages, note, kind="transfer"),
    )
    transfer_case(uow(), actor=session.actor, case_id=CaseId(case_id), transfer=wanted, now=now)
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="transfer", parts=ALL_PARTS
    )


@router.post("/cases/{case_id}/merge/check")
def check_merge(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    reference: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Show what would be merged into this case; nothing changes until it is confirmed."""
    _target, source = case_merge.merge_preview(
        uow(), actor=session.actor, target_id=CaseId(case_id), source=reference, now=now
    )
    page = read_page(request, session, uow, now, CaseId(case_id), via="merge")
    if not is_htmx(request):
        return render_page(pages, session, profile, page, merge_source=source)
    values = page_values(pages, session, page)
    values["merge_source"] = source
    return pages.render("desk/_case_merge.html", **values)


@router.post("/cases/{case_id}/merge")
def merge(
    request: Request,
    case_id: CaseIdPath,
    session: Session,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
    source_id: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> Response:
    """Merge the confirmed case into this one: it closes, its history shows here."""
    cases.merge_cases(
        uow(),
        actor=session.actor,
        target_id=CaseId(case_id),
        source_id=CaseId(source_id),
        now=now,
    )
    return after_action(
        request, pages, session, uow, now, CaseId(case_id), done="merge", parts=ALL_PARTS
    )
