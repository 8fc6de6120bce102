"""Opening what a customer attached, from the case page's timeline.

    GET /desk/cases/{case_id}/attachments/{attachment_id}   the file, as a download

The access check and the audit record (``attachment.read``) are the service's
(``services/attachments.open_attachment``); how the file is sent, and why so, is
``web/attachment_files.py``. An unknown id or one of another case is the desk's 404 page.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import attachments
from klantenservice.web.attachment_files import attachment_root, file_response
from klantenservice.web.deps import Context, Now, Uow
from klantenservice.web.desk.case import CaseIdPath
from klantenservice.web.desk.session import Session

router = APIRouter()


@router.get("/cases/{case_id}/attachments/{attachment_id}")
def download(
    case_id: CaseIdPath,
    attachment_id: CaseIdPath,
    session: Session,
    uow: Uow,
    now: Now,
    context: Context,
) -> FileResponse:
    found = attachments.open_attachment(
        uow(),
        actor=session.actor,
        case_id=CaseId(case_id),
        attachment_id=attachment_id,
        root=attachment_root(context.settings),
        now=now,
        via="desk",
    )
    return file_response(found)
