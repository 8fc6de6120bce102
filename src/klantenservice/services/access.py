"""The only permitted fetches on behalf of an actor (DESIGN.md convention 5).

Every read of a case or customer for a person or integration goes through here: the role is
checked, a missing or unreachable object is the same ``NotFound``, and a staff read of a
customer's record is written to the audit trail (GDPR accountability: who saw which customer).
"""

from __future__ import annotations

from datetime import datetime

from klantenservice.domain.cases import Case
from klantenservice.domain.customers import Customer
from klantenservice.domain.errors import NotFound
from klantenservice.domain.permissions import Permission, require
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
