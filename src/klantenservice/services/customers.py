"""Customer use cases: register, update, view (audited), list."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from klantenservice.domain.customers import ContactPoint, Customer, VerificationLevel
from klantenservice.domain.errors import Conflict
from klantenservice.domain.permissions import Permission
from klantenservice.domain.vocabulary import CustomerId, Language
from klantenservice.services import access
from klantenservice.services.ports import Actor, ConcurrentChange, Page, UnitOfWork


def register_customer(
    uow: UnitOfWork, *, actor: Actor, customer: Customer, now: datetime
) -> Customer:
    access.check(actor, Permission.CUSTOMER_WRITE)
    with uow:
        for point in customer.contact_points:
            if uow.customers.find_by_contact(point) is not None:
                raise Conflict(f"{point.kind.value} {point.value} is already a customer's contact")
        try:
            stored = uow.customers.add(customer, at=now)
        except ConcurrentChange:
            raise Conflict("a contact point was registered at the same moment; try again") from None
        uow.audit.record(
            actor=actor,
            action="customer.created",
            subject_type="customer",
            subject_id=stored.id,
            at=now,
            details={},
        )
        uow.commit()
        return stored


def update_customer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    customer_id: CustomerId,
    now: datetime,
    name: str | None = None,
    language: Language | None = None,
    segment: str | None = None,
    vulnerable: bool | None = None,
    verification: VerificationLevel | None = None,
    add_contacts: tuple[ContactPoint, ...] = (),
) -> Customer:
    with uow:
        customer = access.get_customer_for(
            uow, actor, customer_id, permission=Permission.CUSTOMER_WRITE
        )
        if customer.merged_into is not None:  # its contact points and cases live there now
            raise Conflict(
                f"customer {customer_id} was merged into customer {customer.merged_into}; "
                "change that customer instead (nothing was changed)"
            )
        updated = replace(
            customer,
            name=customer.name if name is None else name,
            language=customer.language if language is None else language,
            segment=customer.segment if segment is None else segment,
            vulnerable=customer.vulnerable if vulnerable is None else vulnerable,
            verification=customer.verification if verification is None else verification,
        )
        given = {
            "name": name,
            "language": language,
            "segment": segment,
            "vulnerable": vulnerable,
            "verification": verification,
        }
        changes = [k for k, v in given.items() if v is not None]
        for point in add_contacts:
            updated = updated.with_contact(point)
        uow.customers.update(updated, at=now)
        fields = changes + (["contact_points"] if add_contacts else [])
        uow.audit.record(
            actor=actor,
            action="customer.updated",
            subject_type="customer",
            subject_id=customer_id,
            at=now,
            details={"fields": fields},
        )
        uow.commit()
        return updated


def view_customer(
    uow: UnitOfWork, *, actor: Actor, customer_id: CustomerId, now: datetime
) -> Customer:
    with uow:
        customer = access.get_customer_for(uow, actor, customer_id)
        access.record_customer_view(uow, actor, customer_id, at=now, via="customer")
        uow.commit()
        return customer


def list_customers(
    uow: UnitOfWork, *, actor: Actor, after: int, limit: int, search: str | None, now: datetime
) -> Page:
    """A list shows names and contact points: every customer on the page counts as viewed."""
    access.check(actor, Permission.CUSTOMER_READ)
    with uow:
        page = uow.customers.list(after=after, limit=limit, search=search)
        for customer in page.items:
            access.record_customer_view(uow, actor, customer.id, at=now, via="customer_list")
        uow.commit()
        return page
