"""Reading and verifying the audit trail."""

from __future__ import annotations

from klantenservice.domain.audit import ChainVerdict, verify_chain
from klantenservice.domain.permissions import Permission
from klantenservice.services import access
from klantenservice.services.ports import Actor, Page, UnitOfWork


def verify_audit_chain(uow: UnitOfWork, *, actor: Actor) -> ChainVerdict:
    access.check(actor, Permission.AUDIT_VERIFY)
    with uow:
        return verify_chain(uow.audit.iterate())


def query_audit(
    uow: UnitOfWork,
    *,
    actor: Actor,
    after: int,
    limit: int,
    subject_type: str | None = None,
    subject_id: str | None = None,
    actor_label: str | None = None,
    action: str | None = None,
) -> Page:
    access.check(actor, Permission.AUDIT_READ)
    with uow:
        return uow.audit.query(
            after=after,
            limit=limit,
            subject_type=subject_type,
            subject_id=subject_id,
            actor=actor_label,
            action=action,
        )
