"""The case page (``/desk/cases/{id}``): header, promise clocks and the messages, read-only.

The page's template is ``templates/desk/case.html``; replying, notes, transfer and live
updates will be added to it (issue 3). The read is one audited service call
(``services/desk.case_page``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import Response

from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import desk as desk_service
from klantenservice.web.deps import Now, Uow
from klantenservice.web.desk.inbox import Profile
from klantenservice.web.desk.pages import PageRenderer
from klantenservice.web.desk.session import Session

router = APIRouter()

MAX_ID = 2**63 - 1  # the store's integer range


@router.get("/cases/{case_id}")
def case_page(
    case_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: Session,
    profile: Profile,
    pages: PageRenderer,
    uow: Uow,
    now: Now,
) -> Response:
    page = desk_service.case_page(uow(), actor=session.actor, case_id=CaseId(case_id), now=now)
    return pages.render(
        "desk/case.html",
        session=session,
        csrf_token=session.csrf_token,
        profile=profile,
        page=page,
    )
