"""What customers attached to a case's messages: the list, and one file to download.

    GET /api/v1/cases/{case_id}/attachments                    metadata, refused ones too
    GET /api/v1/cases/{case_id}/attachments/{attachment_id}    the file (see attachment_files)

Access and audit are the service's (``services/attachments.py``): the rule of reading the
case; the list is a ``customer.viewed``, a download an ``attachment.read``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import attachments
from klantenservice.services.attachment_ports import StoredAttachment
from klantenservice.web.attachment_files import attachment_root, file_response
from klantenservice.web.deps import Context, CurrentActor, Now, Uow
from klantenservice.web.schemas.common import ResponseModel

router = APIRouter(prefix="/cases", tags=["attachments"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


class AttachmentOut(ResponseModel):
    id: int
    case_id: int
    message_id: int
    filename: str
    content_type: str
    size: int
    stored: bool  # False: refused, no bytes kept; ``refused`` says why
    refused: str | None
    download: str | None  # the path to fetch the file, when stored

    @classmethod
    def of(cls, item: StoredAttachment, case_id: int) -> AttachmentOut:
        return cls(
            id=item.id,
            case_id=item.case_id,
            message_id=item.message_id,
            filename=item.filename,
            content_type=item.content_type,
            size=item.size,
            stored=item.stored,
            refused=item.refused,
            download=f"/api/v1/cases/{case_id}/attachments/{item.id}" if item.stored else None,
        )


@router.get("/{case_id}/attachments")
def list_attachments(case_id: Id, actor: CurrentActor, uow: Uow, now: Now) -> list[AttachmentOut]:
    """The attachments of the case's messages and of cases merged into it (audited)."""
    found = attachments.case_attachments(uow(), actor=actor, case_id=CaseId(case_id), now=now)
    return [AttachmentOut.of(item, case_id) for item in found]


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def download_attachment(
    case_id: Id, attachment_id: Id, actor: CurrentActor, uow: Uow, now: Now, context: Context
) -> FileResponse:
    """The attachment's file as a download (audited ``attachment.read``)."""
    found = attachments.open_attachment(
        uow(),
        actor=actor,
        case_id=CaseId(case_id),
        attachment_id=attachment_id,
        root=attachment_root(context.settings),
        now=now,
        via="api",
    )
    return file_response(found)
