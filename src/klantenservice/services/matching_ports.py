"""What matching customers across channels needs from the store: ``CustomerMatchRepository``.

Kept apart from ``ports.py`` (like ``voice_ports.py``); ``ports.UnitOfWork.matches`` is of
this type and ``adapters/db/repositories/customer_matching.py`` implements it. Every read is
an indexed lookup (``contact_points.match_key``, the decisions' pair index, primary keys), so
proposals cost the same whatever the number of customers (tests/adapters/test_plans.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from klantenservice.domain.customer_matching import Decision
from klantenservice.domain.customers import Customer
from klantenservice.domain.vocabulary import CustomerId


@dataclass(frozen=True, slots=True)
class MergeCounts:
    """How many rows of each kind moved from the absorbed customer to the survivor."""

    moved: dict[str, int]


class CustomerMatchRepository(Protocol):
    def lock(self, customer_ids: Sequence[CustomerId]) -> None:
        """Lock the customers' rows (in id order) until the transaction ends."""
        ...

    def candidates(self, keys: Sequence[str], *, exclude: CustomerId, limit: int) -> list[Customer]:
        """Customers not merged into another owning a contact point under one of ``keys``."""
        ...

    def rejected_with(self, customer_id: CustomerId) -> frozenset[CustomerId]:
        """The customers an agent said are not ``customer_id`` (either side of the pair)."""
        ...

    def record(
        self,
        pair: tuple[CustomerId, CustomerId],
        decision: Decision,
        *,
        signals: Sequence[str],
        decided_by: str,
        at: datetime,
    ) -> None:
        """Store a decision on the (ordered) pair; a second one on the same pair conflicts."""
        ...

    def merge(
        self,
        *,
        absorbed: CustomerId,
        survivor: CustomerId,
        at: datetime,
        move_external_ref: bool = False,
    ) -> MergeCounts:
        """Move everything keyed by ``absorbed`` to ``survivor`` and point ``absorbed`` at it.

        ``move_external_ref``: the core-banking reference leaves the absorbed record (it is
        unique; the survivor takes it over in the same transaction).
        """
        ...
