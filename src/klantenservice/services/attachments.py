"""Reading what customers attached: the list of a case's attachments and one file to open.

Attachments are the customer's data, so both reads follow the rule of reading the case
(``access.get_case_for``, which also requires the role to read cases) and are audited: the
list as a ``customer.viewed`` (like the case's messages), each opened file as an
``attachment.read`` naming the attachment and the case. An attachment belongs to the case of
its message or to the case that message's case was merged into; asked for under any other
case it does not exist (``NotFound``, the same as an unknown id: ids are not a way to probe).

The file is served only from under the installation's attachment directory, and its type
only when it is one we accept (``EmailLimits.allowed_types``); anything else is sent as
``application/octet-stream``, so a browser never renders a type we did not vet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from klantenservice.domain.email import EmailLimits
from klantenservice.domain.errors import NotFound
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import access
from klantenservice.services.attachment_ports import AttachmentId, StoredAttachment
from klantenservice.services.ports import Actor, UnitOfWork

OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    """What the web layer needs to send one stored attachment."""

    attachment: StoredAttachment
    path: Path
    media_type: str  # the stored type if we accept it, else application/octet-stream


def served_type(content_type: str, limits: EmailLimits | None = None) -> str:
    allowed = (limits or EmailLimits()).allowed_types
    return content_type if content_type.lower() in allowed else OCTET_STREAM


def case_attachments(
    uow: UnitOfWork, *, actor: Actor, case_id: CaseId, now: datetime
) -> list[StoredAttachment]:
    """The attachments of the case's messages and of the cases merged into it (audited)."""
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        found = uow.attachments.for_cases([case.id, *uow.cases.merged_into(case.id)])
        access.record_customer_view(
            uow, actor, case.customer_id, at=now, via=f"case:{case.id}:attachments"
        )
        uow.commit()
        return found


def open_attachment(
    uow: UnitOfWork,
    *,
    actor: Actor,
    case_id: CaseId,
    attachment_id: AttachmentId,
    root: Path,
    now: datetime,
    via: str,
) -> AttachmentFile:
    """The stored file of one attachment of the case, for ``actor``; the read is audited.

    ``root`` is the attachment directory: a row pointing elsewhere is not served. Refused
    attachments (no bytes kept) and files gone from disk are ``NotFound`` with the reason.
    """
    with uow:
        case = access.get_case_for(uow, actor, case_id)
        found = uow.attachments.get(attachment_id)
        cases = {case.id, *uow.cases.merged_into(case.id)}
        if found is None or found.case_id not in cases:
            raise NotFound(f"case {case.reference} has no attachment with id {attachment_id}")
        if found.path is None:
            raise NotFound(
                f"attachment {attachment_id} was not stored ({found.refused or 'refused'})"
            )
        path = Path(found.path).resolve()
        if not path.is_relative_to(root.resolve()) or not path.is_file():
            raise NotFound(f"the file of attachment {attachment_id} is not available")
        uow.audit.record(
            actor=actor,
            action="attachment.read",
            subject_type="attachment",
            subject_id=attachment_id,
            at=now,
            details={"case_id": int(case.id), "message_id": int(found.message_id), "via": via},
        )
        uow.commit()
        return AttachmentFile(found, path, served_type(found.content_type))
