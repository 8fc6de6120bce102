"""The customer portal in the store: sessions, used assertion ids, and the customer's reads.

A customer's case list is two queries whatever its length: the cases (by the
``customer_id`` index), then the last visible message per case (by the messages'
``case_id`` index). A replayed assertion is refused by the primary key of
``portal_assertions``, also when two requests race (the second insert fails or waits for the
first to commit, then fails).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from klantenservice.adapters.db.repositories.cases import row_to_case
from klantenservice.adapters.db.repositories.customers import SqlCustomers
from klantenservice.adapters.db.repositories.messages import _message as row_to_message
from klantenservice.adapters.db.tables import (
    cases,
    customers,
    messages,
    portal_assertions,
    portal_sessions,
)
from klantenservice.domain.cases import Case
from klantenservice.domain.customers import Customer, VerificationLevel
from klantenservice.domain.messages import Message
from klantenservice.domain.portal_sign_in import PortalSession
from klantenservice.domain.vocabulary import CaseId, CustomerId, Direction


class SqlPortal:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # -- sign-in ------------------------------------------------------------------------------
    def customer_by_reference(self, reference: str) -> Customer | None:
        customer_id = self._c.execute(
            select(customers.c.id).where(customers.c.external_ref == reference)
        ).scalar()
        return None if customer_id is None else SqlCustomers(self._c).get(CustomerId(customer_id))

    def use_assertion(self, assertion_id: str, *, expires_at: datetime, at: datetime) -> bool:
        """Remember the id; False if it was used before (the transaction must then end)."""
        seen = self._c.execute(
            select(portal_assertions.c.assertion_id).where(
                portal_assertions.c.assertion_id == assertion_id
            )
        ).first()
        if seen is not None:
            return False
        try:
            self._c.execute(
                insert(portal_assertions).values(
                    assertion_id=assertion_id, used_at=at, expires_at=expires_at
                )
            )
        except IntegrityError:  # a concurrent sign-in with the same assertion committed first
            return False
        return True

    def forget_expired(self, *, at: datetime) -> None:
        """Assertion ids past their expiry (refused as expired anyway) and ended sessions."""
        self._c.execute(delete(portal_assertions).where(portal_assertions.c.expires_at < at))
        self._c.execute(delete(portal_sessions).where(portal_sessions.c.expires_at < at))

    def add_session(self, *, digest: str, session: PortalSession) -> None:
        self._c.execute(
            insert(portal_sessions).values(
                token_digest=digest,
                customer_id=session.customer_id,
                verification=int(session.level),
                created_at=session.created_at,
                expires_at=session.expires_at,
            )
        )

    def session(self, digest: str, *, at: datetime) -> PortalSession | None:
        row = self._c.execute(
            select(portal_sessions).where(
                portal_sessions.c.token_digest == digest,
                portal_sessions.c.expires_at > at,
                portal_sessions.c.ended_at.is_(None),
            )
        ).first()
        if row is None:
            return None
        return PortalSession(
            customer_id=CustomerId(row.customer_id),
            level=VerificationLevel(row.verification),
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    def end_session(self, digest: str, *, at: datetime) -> None:
        self._c.execute(
            update(portal_sessions)
            .where(portal_sessions.c.token_digest == digest, portal_sessions.c.ended_at.is_(None))
            .values(ended_at=at, expires_at=at)  # pruned with the expired ones
        )

    # -- what the customer reads ------------------------------------------------------------
    def cases_of(self, customer_id: CustomerId, *, limit: int) -> list[Case]:
        """The customer's newest ``limit`` cases, merged ones included (newest first)."""
        rows = self._c.execute(
            select(cases)
            .where(cases.c.customer_id == customer_id)
            .order_by(cases.c.id.desc())
            .limit(limit)
        )
        return [row_to_case(row) for row in rows]

    def last_activity(self, case_ids: Sequence[CaseId]) -> dict[CaseId, datetime]:
        """Per case, when its last message the customer can see was written."""
        if not case_ids:
            return {}
        rows = self._c.execute(
            select(messages.c.case_id, func.max(messages.c.created_at))
            .where(
                messages.c.case_id.in_(list(case_ids)),
                messages.c.direction != Direction.INTERNAL.value,
            )
            .group_by(messages.c.case_id)
        )
        return {CaseId(case_id): at for case_id, at in rows}

    def visible_messages(self, case_ids: Sequence[CaseId], *, limit: int) -> list[Message]:
        """The newest ``limit`` messages between customer and bank, oldest first; no notes."""
        if not case_ids:
            return []
        rows = self._c.execute(
            select(messages)
            .where(
                messages.c.case_id.in_(list(case_ids)),
                messages.c.direction != Direction.INTERNAL.value,
            )
            .order_by(messages.c.id.desc())
            .limit(limit)
        ).all()
        return [row_to_message(row) for row in reversed(rows)]

    def demo_customers(self, *, limit: int) -> list[Customer]:
        """Customers with a bank reference, most cases first (for the demo sign-in page)."""
        count = func.count(cases.c.id)
        ids = self._c.execute(
            select(customers.c.id)
            .outerjoin(cases, cases.c.customer_id == customers.c.id)
            .where(customers.c.external_ref.is_not(None))
            .group_by(customers.c.id)
            .order_by(count.desc(), customers.c.id)
            .limit(limit)
        ).scalars()
        repository = SqlCustomers(self._c)
        found = (repository.get(CustomerId(customer_id)) for customer_id in ids.all())
        return [customer for customer in found if customer is not None]
