"""The audit trail and its verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from klantenservice.domain.audit import AuditRecord, ChainVerdict
from klantenservice.web.schemas.common import ResponseModel


class AuditRecordOut(ResponseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, record: AuditRecord) -> AuditRecordOut:
        return cls(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            action=record.action,
            subject_type=record.subject_type,
            subject_id=record.subject_id,
            details=dict(record.details),
            prev_hash=record.prev_hash,
            hash=record.hash,
        )


class VerdictOut(ResponseModel):
    """``ok`` with the head of the chain, or where it breaks and why."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    seq: int | None
    reason: str | None
    summary: str

    @classmethod
    def of(cls, verdict: ChainVerdict) -> VerdictOut:
        return cls(
            ok=verdict.ok,
            count=verdict.count,
            head_seq=verdict.head_seq,
            head_hash=verdict.head_hash,
            seq=verdict.seq,
            reason=verdict.reason,
            summary=verdict.summary(),
        )
