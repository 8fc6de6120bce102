"""Candidates for customer-match proposals, agents' decisions, and merging two customers.

Candidates are found through ``ix_contact_points_match_key`` and read by primary key; the
decisions of a customer through the pair's unique index (``customer_id`` first) and
``ix_customer_match_decisions_other_id``. A merge moves every row keyed by the absorbed
customer (``MOVED_WITH_CUSTOMER``, checked against the schema by a test, so a new table with a
``customer_id`` cannot be forgotten) and keeps the absorbed row, pointing at the survivor.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Table, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from klantenservice.adapters.db.repositories.customers import _customer, _points_of
from klantenservice.adapters.db.tables import (
    cases,
    chat_sessions,
    contact_points,
    customer_match_decisions,
    customers,
    emergency_reports,
    portal_sessions,
)
from klantenservice.domain.customer_matching import Decision
from klantenservice.domain.customers import Customer
from klantenservice.domain.vocabulary import CustomerId
from klantenservice.services.matching_ports import MergeCounts
from klantenservice.services.ports import ConcurrentChange

# Every table with a ``customer_id`` whose rows belong to the person, not to the record:
# they follow the survivor. ``customer_match_decisions`` stays (it is about the records).
MOVED_WITH_CUSTOMER: tuple[Table, ...] = (
    contact_points,
    cases,
    chat_sessions,
    portal_sessions,
    emergency_reports,
)
KEPT_WITH_RECORD: tuple[Table, ...] = (customer_match_decisions,)

_DECISIONS = customer_match_decisions


class SqlCustomerMatches:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def lock(self, customer_ids: Sequence[CustomerId]) -> None:
        for customer_id in sorted(customer_ids):  # one order everywhere: no deadlock
            self._c.execute(
                select(customers.c.id).where(customers.c.id == customer_id).with_for_update()
            )

    def candidates(self, keys: Sequence[str], *, exclude: CustomerId, limit: int) -> list[Customer]:
        if not keys:
            return []
        owners = (
            select(contact_points.c.customer_id)
            .where(contact_points.c.match_key.in_(sorted(set(keys))))
            .where(contact_points.c.customer_id != exclude)
            .distinct()
            .limit(limit)
        )
        ids = [row.customer_id for row in self._c.execute(owners)]
        if not ids:
            return []
        rows = self._c.execute(
            select(customers)
            .where(customers.c.id.in_(ids), customers.c.merged_into.is_(None))
            .order_by(customers.c.id)
        ).all()
        points = _points_of(self._c, [row.id for row in rows])
        return [_customer(row, points.get(row.id, [])) for row in rows]

    def rejected_with(self, customer_id: CustomerId) -> frozenset[CustomerId]:
        rejected = _DECISIONS.c.decision == Decision.REJECTED.value
        mine = select(_DECISIONS.c.other_id).where(_DECISIONS.c.customer_id == customer_id)
        theirs = select(_DECISIONS.c.customer_id).where(_DECISIONS.c.other_id == customer_id)
        found = {r[0] for r in self._c.execute(mine.where(rejected))}
        found |= {r[0] for r in self._c.execute(theirs.where(rejected))}
        return frozenset(CustomerId(i) for i in found)

    def record(
        self,
        pair: tuple[CustomerId, CustomerId],
        decision: Decision,
        *,
        signals: Sequence[str],
        decided_by: str,
        at: datetime,
    ) -> None:
        low, high = sorted(pair)
        values = {
            "customer_id": low,
            "other_id": high,
            "decision": decision.value,
            "signals": list(signals),
            "decided_by": decided_by,
            "decided_at": at,
        }
        try:
            self._c.execute(insert(_DECISIONS).values(values))
        except IntegrityError as error:  # a colleague decided on this pair at the same moment
            raise ConcurrentChange("this pair was decided on concurrently") from error

    def merge(
        self,
        *,
        absorbed: CustomerId,
        survivor: CustomerId,
        at: datetime,
        move_external_ref: bool = False,
    ) -> MergeCounts:
        moved = {}
        for table in MOVED_WITH_CUSTOMER:
            result = self._c.execute(
                update(table).where(table.c.customer_id == absorbed).values(customer_id=survivor)
            )
            moved[table.name] = result.rowcount
        # records merged into the absorbed one earlier now point at the survivor: one hop, always
        self._c.execute(
            update(customers)
            .where(customers.c.merged_into == absorbed)
            .values(merged_into=survivor, updated_at=at)
        )
        changes: dict[str, object] = {"merged_into": survivor, "updated_at": at}
        if move_external_ref:  # unique: it leaves the absorbed record before the survivor gets it
            changes["external_ref"] = None
        self._c.execute(update(customers).where(customers.c.id == absorbed).values(changes))
        self._carry_rejections(absorbed, survivor, at)
        return MergeCounts(moved)

    def _carry_rejections(self, absorbed: CustomerId, survivor: CustomerId, at: datetime) -> None:
        """ "Not the same person as X" said of the absorbed record holds for the survivor too."""
        others = self.rejected_with(absorbed) - {survivor}
        if not others:
            return
        already = {
            (r.customer_id, r.other_id)
            for r in self._c.execute(
                select(_DECISIONS.c.customer_id, _DECISIONS.c.other_id).where(
                    or_(
                        *(
                            and_(
                                _DECISIONS.c.customer_id == min(survivor, other),
                                _DECISIONS.c.other_id == max(survivor, other),
                            )
                            for other in others
                        )
                    )
                )
            )
        }
        rows = [
            {
                "customer_id": min(survivor, other),
                "other_id": max(survivor, other),
                "decision": Decision.REJECTED.value,
                "signals": [],
                "decided_by": f"merge:{absorbed}",
                "decided_at": at,
            }
            for other in sorted(others)
            if (min(survivor, other), max(survivor, other)) not in already
        ]
        if rows:
            self._c.execute(insert(_DECISIONS), rows)
