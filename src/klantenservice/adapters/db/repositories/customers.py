"""Customers and contact points in the store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import contact_points, customers
from klantenservice.domain.customer_matching import match_key
from klantenservice.domain.customers import (
    ContactKind,
    ContactPoint,
    Customer,
    CustomerRef,
    VerificationLevel,
)
from klantenservice.domain.errors import Conflict
from klantenservice.domain.vocabulary import CustomerId, Language
from klantenservice.services.ports import ConcurrentChange, Page

_BY_CONTACT = Prepared(
    select(customers)
    .join(contact_points, contact_points.c.customer_id == customers.c.id)
    .where(contact_points.c.kind == bindparam("kind"), contact_points.c.value == bindparam("value"))
)
_REF_BY_CONTACT = Prepared(
    select(customers.c.id, customers.c.language, customers.c.segment)
    .join(contact_points, contact_points.c.customer_id == customers.c.id)
    .where(contact_points.c.kind == bindparam("kind"), contact_points.c.value == bindparam("value"))
)
_POINTS = Prepared(
    select(contact_points.c.kind, contact_points.c.value)
    .where(contact_points.c.customer_id == bindparam("customer_id"))
    .order_by(contact_points.c.id)
)
# ``merged_into`` is written only by a confirmed match (repositories/customer_matching.py).
_CUSTOMER_COLUMNS = [c.name for c in customers.columns if c.name not in ("id", "merged_into")]
_INSERT = Prepared(
    insert(customers).values({n: bindparam(n) for n in _CUSTOMER_COLUMNS}).returning(customers.c.id)
)
_INSERT_POINT = Prepared(
    insert(contact_points).values(
        customer_id=bindparam("customer_id"),
        kind=bindparam("kind"),
        value=bindparam("value"),
        match_key=bindparam("match_key"),  # domain/customer_matching.py: indexed, for proposals
    )
)


def _customer(row: Row[Any], points: list[ContactPoint]) -> Customer:
    return Customer(
        id=CustomerId(row.id),
        name=row.name,
        language=Language(row.language),
        segment=row.segment,
        vulnerable=row.vulnerable,
        verification=VerificationLevel(row.verification),
        contact_points=tuple(points),
        created_at=row.created_at,
        external_ref=row.external_ref,
        tags=frozenset(row.tags),
        merged_into=None if row.merged_into is None else CustomerId(row.merged_into),
    )


class SqlCustomers:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, customer_id: CustomerId) -> Customer | None:
        row = self._c.execute(select(customers).where(customers.c.id == customer_id)).first()
        return None if row is None else _customer(row, self._points(customer_id))

    def _points(self, customer_id: int) -> list[ContactPoint]:
        rows = _POINTS.all(self._c, {"customer_id": customer_id})
        return [ContactPoint(ContactKind(r.kind), r.value) for r in rows]

    def find_by_contact(self, point: ContactPoint) -> Customer | None:
        """One query for the owner's row; a second only for its other contact points."""
        row = _BY_CONTACT.first(self._c, {"kind": point.kind.value, "value": point.value})
        return None if row is None else _customer(row, self._points(row.id))

    def ref_by_contact(self, point: ContactPoint) -> CustomerRef | None:
        """The owner of ``point``, as threading needs it: one query, three columns."""
        row = _REF_BY_CONTACT.first(self._c, {"kind": point.kind.value, "value": point.value})
        if row is None:
            return None
        return CustomerRef(CustomerId(row.id), Language(row.language), row.segment)

    def add(self, customer: Customer, *, at: datetime) -> Customer:
        values = _values(customer)
        customer_id = _INSERT.new_id(self._c, {**values, "created_at": at, "updated_at": at})
        self._add_points(customer_id, customer.contact_points, new_customer=True)
        return replace(customer, id=CustomerId(customer_id), created_at=at)

    def _add_points(
        self, customer_id: int, points: tuple[ContactPoint, ...], *, new_customer: bool = False
    ) -> None:
        for point in points:
            if new_customer:  # nobody can own it yet but a concurrent registration
                self._insert_point(customer_id, point)
                continue
            owner = self._c.execute(
                select(contact_points.c.customer_id).where(
                    contact_points.c.kind == point.kind.value,
                    contact_points.c.value == point.value,
                )
            ).scalar()
            if owner is not None and owner != customer_id:
                raise Conflict(f"{point.kind.value} {point.value} belongs to another customer")
            if owner is None:
                self._insert_point(customer_id, point)

    def _insert_point(self, customer_id: int, point: ContactPoint) -> None:
        values = {
            "customer_id": customer_id,
            "kind": point.kind.value,
            "value": point.value,
            "match_key": match_key(point),
        }
        try:
            _INSERT_POINT.run(self._c, values)
        except IntegrityError as error:  # a concurrent transaction registered it first
            raise ConcurrentChange(f"{point.kind.value} registered concurrently") from error

    def update(self, customer: Customer, *, at: datetime) -> None:
        assert customer.id is not None
        self._c.execute(
            update(customers)
            .where(customers.c.id == customer.id)
            .values(**_values(customer), updated_at=at)
        )
        self._add_points(customer.id, customer.contact_points)

    def list(self, *, after: int, limit: int, search: str | None) -> Page:
        query = select(customers).where(customers.c.id > after).order_by(customers.c.id)
        if search:
            like = f"%{search.lower()}%"
            matching = select(contact_points.c.customer_id).where(contact_points.c.value.like(like))
            query = query.where(or_(customers.c.name.ilike(like), customers.c.id.in_(matching)))
        rows = self._c.execute(query.limit(limit + 1)).all()
        points = _points_of(self._c, [r.id for r in rows[:limit]])
        items = [_customer(r, points.get(r.id, [])) for r in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit and items else None)


def _points_of(connection: Connection, customer_ids: list[int]) -> dict[int, list[ContactPoint]]:
    """Contact points of a page of customers in one query (no query per customer)."""
    found: dict[int, list[ContactPoint]] = {}
    if not customer_ids:
        return found
    rows = connection.execute(
        select(contact_points.c.customer_id, contact_points.c.kind, contact_points.c.value)
        .where(contact_points.c.customer_id.in_(customer_ids))
        .order_by(contact_points.c.id)
    )
    for row in rows:
        found.setdefault(row.customer_id, []).append(ContactPoint(ContactKind(row.kind), row.value))
    return found


def _values(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "language": customer.language.value,
        "segment": customer.segment,
        "vulnerable": customer.vulnerable,
        "verification": int(customer.verification),
        "external_ref": customer.external_ref,
        "tags": sorted(customer.tags),
    }
