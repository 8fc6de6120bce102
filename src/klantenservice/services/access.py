"""The only permitted fetches on behalf of an actor (DESIGN.md convention 5).

Every read of a case or customer for a person or integration goes through here: the role is
checked, a missing or unreachable object is the same ``NotFound``, and a staff read of a
customer's record is written to the audit trail (GDPR accountability: who saw which customer).
"""

from __future__ import annotations

from datetime import datetime

from klantenservice.domain.cases import Case
from klantenservice.domain.customers import Customer
from klantenservice.domain.errors import NotFound, PermissionDenied
from klantenservice.domain.permissions import Permission, has_permission, require
from klantenservice.domain.vocabulary import CaseId, CustomerId
from klantenservice.services.ports import Actor, UnitOfWork


def check(actor: Actor, permission: Permission) -> None:
    require(actor.roles, permission)


def get_case_for(
    uow: UnitOfWork,
    actor: Actor,
    case_id: CaseId,
    *,
    permission: Permission = Permission.CASE_READ,
    for_update: bool = False,
) -> Case:
    check(actor, permission)
    case = uow.cases.get(case_id, for_update=for_update)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    return case


def get_case_to_work_on(
    uow: UnitOfWork, actor: Actor, case_id: CaseId, *, permission: Permission
) -> Case:
    """The case locked for a change by ``actor``: their own, nobody's, or any for a supervisor.

    Everyone with ``case_read`` may read every case, but an agent changes (replies, notes,
    status, transfer) only a case assigned to them or to nobody: two agents must not answer one
    customer at cross purposes. Handing a case over is a transfer by its assignee or a
    supervisor's reassignment (``case_assign_others``). The case is readable to the actor, so
    this refusal is a ``PermissionDenied`` that says why, not a ``NotFound``.
    """
    case = get_case_for(uow, actor, case_id, permission=permission, for_update=True)
    others = case.assignee_id is not None and case.assignee_id != actor.agent_id
    if others and not has_permission(actor.roles, Permission.CASE_ASSIGN_OTHERS):
        raise PermissionDenied(
            f"case {case.reference} is assigned to another agent; ask them or a supervisor to "
            "transfer it to you first (nothing was changed)"
        )
    return case


def get_customer_for(
    uow: UnitOfWork,
    actor: Actor,
    customer_id: CustomerId,
    *,
    permission: Permission = Permission.CUSTOMER_READ,
) -> Customer:
    check(actor, permission)
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}")
    return customer


def record_customer_view(
    uow: UnitOfWork, actor: Actor, customer_id: CustomerId, *, at: datetime, via: str
) -> None:
    """Audit that ``actor`` saw this customer's record (``via``: which view showed it)."""
    uow.audit.record(
        actor=actor,
        action="customer.viewed",
        subject_type="customer",
        subject_id=customer_id,
        at=at,
        details={"via": via},
    )
