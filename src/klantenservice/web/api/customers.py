"""Customers: register, list (search), view (audited) and update."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from klantenservice.domain.vocabulary import CustomerId
from klantenservice.services import customers
from klantenservice.web.deps import CurrentActor, Now, Paging, Uow
from klantenservice.web.schemas.common import PageOut
from klantenservice.web.schemas.customers import (
    CustomerIn,
    CustomerOut,
    CustomerPatch,
    verification_of,
)

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", status_code=status.HTTP_201_CREATED)
def register(body: CustomerIn, actor: CurrentActor, uow: Uow, now: Now) -> CustomerOut:
    """A new customer; a contact point already on another customer is a conflict (409)."""
    customer = body.to_domain()
    stored = customers.register_customer(uow(), actor=actor, customer=customer, now=now)
    return CustomerOut.of(stored)


@router.get("")
def list_customers(
    actor: CurrentActor,
    uow: Uow,
    now: Now,
    page: Paging,
    search: Annotated[
        str | None, Query(max_length=100, description="part of a name or contact point")
    ] = None,
) -> PageOut[CustomerOut]:
    """Customers in id order; every customer on the page is recorded as viewed."""
    found = customers.list_customers(
        uow(), actor=actor, after=page.after, limit=page.limit, search=search or None, now=now
    )
    return PageOut(items=[CustomerOut.of(c) for c in found.items], next_after=found.next_after)


@router.get("/{customer_id}")
def view(customer_id: int, actor: CurrentActor, uow: Uow, now: Now) -> CustomerOut:
    """One customer's record; the view is written to the audit trail (customer.viewed)."""
    customer = customers.view_customer(
        uow(), actor=actor, customer_id=CustomerId(customer_id), now=now
    )
    return CustomerOut.of(customer)


@router.patch("/{customer_id}")
def update(
    customer_id: int, body: CustomerPatch, actor: CurrentActor, uow: Uow, now: Now
) -> CustomerOut:
    """Change the given fields; contact points in ``add_contacts`` are added."""
    updated = customers.update_customer(
        uow(),
        actor=actor,
        customer_id=CustomerId(customer_id),
        now=now,
        name=body.name,
        language=body.language,
        segment=body.segment,
        vulnerable=body.vulnerable,
        verification=None if body.verification is None else verification_of(body.verification),
        add_contacts=tuple(c.parse() for c in body.add_contacts),
    )
    return CustomerOut.of(updated)
