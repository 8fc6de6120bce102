"""The inbox page in three queries, whatever its length and whatever the size of the store.

1. the cases of the page with their customer's name: one keyset range (``id > after``, id
   order, ``limit + 1`` rows to know whether a next page exists) joined to ``customers``;
2. the cases merged into them: ``cases.merged_into IN (page)`` (``ix_cases_merged_into``);
3. the history of all of those: ``case_events.case_id IN (...)`` (``ix_case_events_case_id_id``).

Which index serves step 1 depends on the filters: ``ix_cases_queue_id_id`` for a queue,
``ix_cases_queue_status_id`` for a queue and a status, the primary key otherwise; each reads
the page's rows in id order from ``after`` on and stops after ``limit + 1`` matches. A filter
that no index leads with (channel, priority, language, ...) is checked on the rows read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from klantenservice.adapters.db.repositories.cases import _filtered as filtered_cases
from klantenservice.adapters.db.repositories.cases import row_to_case
from klantenservice.adapters.db.tables import case_events, cases, customers
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.vocabulary import CaseId, CustomerId
from klantenservice.services.desk_reads import InboxSlice

_PAGE = select(cases, customers.c.name.label("customer_name")).join(
    customers, customers.c.id == cases.c.customer_id
)


class SqlInbox:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def page(self, *, after: int, limit: int, filters: Mapping[str, Any]) -> InboxSlice:
        query = filtered_cases(_PAGE.where(cases.c.id > after), filters)
        rows = self._c.execute(query.order_by(cases.c.id).limit(limit + 1)).all()
        page = rows[:limit]
        found = [row_to_case(r) for r in page]
        names = {CustomerId(r.customer_id): r.customer_name for r in page}
        next_after = found[-1].id if len(rows) > limit and found else None
        return InboxSlice(found, names, self._histories([c.id for c in found]), next_after)

    def _histories(self, case_ids: Sequence[CaseId]) -> dict[CaseId, list[CaseEvent]]:
        """Each case's events with those of the cases merged into it, oldest first."""
        if not case_ids:
            return {}
        owner: dict[int, CaseId] = {case_id: case_id for case_id in case_ids}
        merged = self._c.execute(
            select(cases.c.id, cases.c.merged_into).where(cases.c.merged_into.in_(case_ids))
        )
        for source, target in merged:
            owner[source] = CaseId(target)
        histories: dict[CaseId, list[CaseEvent]] = {case_id: [] for case_id in case_ids}
        events = self._c.execute(
            select(case_events.c.case_id, case_events.c.kind, case_events.c.at, case_events.c.data)
            .where(case_events.c.case_id.in_(list(owner)))
            .order_by(case_events.c.at, case_events.c.id)
        )
        for case_id, kind, at, data in events:
            histories[owner[case_id]].append(CaseEvent(CaseEventKind(kind), at, data))
        return dict(histories)
