"""Checking a merge before it is done: the desk's "merge with confirmation".

An agent types the other case's reference; ``merge_preview`` finds that case, applies the
domain's merge rules to both without saving anything (same customer, not the same case,
neither closed) and returns it, so the confirmation can show what will be merged. The merge
itself is ``cases.merge_cases`` (it checks everything again, under row locks). The preview
shows the other case's subject and status: a read of the customer's record, audited.
"""

from __future__ import annotations

from datetime import datetime

from klantenservice.domain import cases as case_rules
from klantenservice.domain.cases import Case
from klantenservice.domain.errors import ValidationError
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import CaseId
from klantenservice.services import access
from klantenservice.services.ports import Actor, UnitOfWork

MAX_CASE_ID = 2**63 - 1


def parse_case_reference(text: str) -> CaseId:
    """``KS-000123``, ``ks-123``, ``#123`` or ``123`` → 123; anything else is refused."""
    cleaned = text.strip().lstrip("#")
    found = case_rules.parse_reference(cleaned) if not cleaned.isdigit() else CaseId(int(cleaned))
    if found is None or not 0 < found <= MAX_CASE_ID:
        raise ValidationError(
            f"{text.strip()[:40]!r} is not a case reference; type it as KS-000123 or 123"
        )
    return found


def merge_preview(
    uow: UnitOfWork, *, actor: Actor, target_id: CaseId, source: str, now: datetime
) -> tuple[Case, Case]:
    """``(target, source)`` if ``source`` may be merged into ``target``; nothing is changed."""
    access.check(actor, Permission.CASE_MERGE)
    source_id = parse_case_reference(source)
    with uow:
        target = access.get_case_for(uow, actor, target_id)
        other = access.get_case_for(uow, actor, source_id)
        case_rules.merge_cases(target, other, at=now)  # raises when the rules forbid it
        access.record_customer_view(
            uow, actor, other.customer_id, at=now, via=f"desk:merge:{target.id}"
        )
        uow.commit()
        return target, other
