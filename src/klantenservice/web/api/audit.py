"""The audit trail: query it, and verify its hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from klantenservice.services import audit
from klantenservice.web.deps import CurrentActor, Paging, Uow
from klantenservice.web.schemas.audit import AuditRecordOut, VerdictOut
from klantenservice.web.schemas.common import PageOut

router = APIRouter(prefix="/audit", tags=["audit"])

Filter = Annotated[str | None, Query(max_length=100)]


@router.get("")
def query_audit(
    actor: CurrentActor,
    uow: Uow,
    page: Paging,
    subject_type: Filter = None,
    subject_id: Filter = None,
    actor_label: Annotated[
        str | None, Query(alias="actor", max_length=100, description="e.g. user:3, token:1")
    ] = None,
    action: Filter = None,
) -> PageOut[AuditRecordOut]:
    """Records in sequence order; ``after`` and ``next_after`` are sequence numbers."""
    found = audit.query_audit(
        uow(read_only=True),
        actor=actor,
        after=page.after,
        limit=page.limit,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_label=actor_label,
        action=action,
    )
    return PageOut(items=[AuditRecordOut.of(r) for r in found.items], next_after=found.next_after)


@router.get("/verify")
def verify(actor: CurrentActor, uow: Uow) -> VerdictOut:
    """Recompute the hash chain from the first record: ``ok``, or where it breaks and why."""
    return VerdictOut.of(audit.verify_audit_chain(uow(read_only=True), actor=actor))
