"""Cases and their event history in the store.

The statements every inbound message runs (get, add, update, add_events, history of one case,
latest_for_customer, the promise projection) are ``Prepared``: compiled once, run on the
driver (see ``adapters/db/prepared.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, insert, select, text, update

from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.tables import WAITING_EMERGENCY, case_events, cases
from klantenservice.domain.cases import Case, CaseStatus
from klantenservice.domain.events import CaseEvent, CaseEventKind
from klantenservice.domain.vocabulary import (
    AgentId,
    CaseId,
    Channel,
    CustomerId,
    Language,
    Priority,
    QueueId,
)
from klantenservice.services.ports import Page

ACTIVE = [
    CaseStatus.NEW.value,
    CaseStatus.OPEN.value,
    CaseStatus.PENDING_CUSTOMER.value,
    CaseStatus.PENDING_INTERNAL.value,
]


def _opt(cls: Any, value: Any) -> Any:
    return None if value is None else cls(value)


def row_to_case(row: Row[Any]) -> Case:
    return Case(
        id=CaseId(row.id),
        customer_id=CustomerId(row.customer_id),
        subject=row.subject,
        channel=Channel(row.channel),
        created_at=row.created_at,
        status=CaseStatus(row.status),
        priority=Priority(row.priority),
        language=Language(row.language),
        segment=row.segment,
        category=row.category,
        queue_id=_opt(QueueId, row.queue_id),
        assignee_id=_opt(AgentId, row.assignee_id),
        tags=frozenset(row.tags),
        required_skills=frozenset(row.required_skills),
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        merged_into=_opt(CaseId, row.merged_into),
        linked_to=_opt(CaseId, row.linked_to),
        waiting_since=row.waiting_since,
        awaiting_reply_since=row.awaiting_reply_since,
    )


def case_values(case: Case) -> dict[str, Any]:
    return {
        "customer_id": case.customer_id,
        "subject": case.subject,
        "channel": case.channel.value,
        "status": case.status.value,
        "priority": int(case.priority),
        "language": case.language.value,
        "segment": case.segment,
        "category": case.category,
        "queue_id": case.queue_id,
        "assignee_id": case.assignee_id,
        "tags": sorted(case.tags),
        "required_skills": sorted(case.required_skills),
        "resolved_at": case.resolved_at,
        "closed_at": case.closed_at,
        "merged_into": case.merged_into,
        "linked_to": case.linked_to,
        "waiting_since": case.waiting_since,
        "awaiting_reply_since": case.awaiting_reply_since,
    }


_CASE_COLUMNS = [
    *(
        c.name
        for c in cases.columns
        if c.name not in ("id", "created_at", "promise_due_at", "promise_state")
    ),
]
_BY_ID = select(cases).where(cases.c.id == bindparam("id"))
_GET = Prepared(_BY_ID)
_GET_FOR_UPDATE = Prepared(_BY_ID.with_for_update())
_INSERT = Prepared(
    insert(cases)
    .values({name: bindparam(name) for name in [*_CASE_COLUMNS, "created_at"]})
    .returning(cases.c.id)
)
_UPDATE_WHERE = cases.c.id == bindparam("case_id")
# UPDATE statements by the columns they set (and whether only an unassigned case): a case read
# in this unit of work is written back with only what changed, so SQLite maintains only the
# indexes over those columns (a message usually changes updated_at and one or two more; a full
# row touched all eight indexes of ``cases``). Few combinations occur; each is compiled once.
_UPDATES: dict[tuple[tuple[str, ...], bool], Prepared] = {}


def _update_statement(columns: tuple[str, ...], only_if_unassigned: bool) -> Prepared:
    key = (columns, only_if_unassigned)
    found = _UPDATES.get(key)
    if found is None:
        where = [_UPDATE_WHERE]
        if only_if_unassigned:
            where.append(cases.c.assignee_id.is_(None))
        values: dict[str, Any] = {name: bindparam(name) for name in columns}
        found = _UPDATES[key] = Prepared(update(cases).where(*where).values(values))
    return found


_INSERT_EVENT = Prepared(
    insert(case_events).values(
        case_id=bindparam("case_id"),
        kind=bindparam("kind"),
        at=bindparam("at"),
        data=bindparam("data"),
    )
)
# Once per intake batch, on the partial ix_cases_waiting_emergencies (its predicate repeated as
# is). SQLite's planner, without statistics, prefers ix_cases_assignee_status, which holds every
# unassigned open case, so SQLite is told the index (``INDEXED BY``; tests/adapters/test_plans.py);
# PostgreSQL picks the partial index itself.
_WAITING_WHERE = f"WHERE {WAITING_EMERGENCY.text} AND status IN ('new', 'open') "
_WAITING_ORDER = "ORDER BY waiting_since, id LIMIT :limit"
WAITING_EMERGENCIES = {
    dialect: Prepared(
        text(f"SELECT id FROM {source} {_WAITING_WHERE}{_WAITING_ORDER}").columns(cases.c.id)  # noqa: S608 - constants only
    )
    for dialect, source in (
        ("sqlite", "cases INDEXED BY ix_cases_waiting_emergencies"),
        ("postgresql", "cases"),
    )
}
_HISTORY_ONE = Prepared(
    select(case_events.c.kind, case_events.c.at, case_events.c.data)
    .where(case_events.c.case_id == bindparam("case_id"))
    .order_by(case_events.c.at, case_events.c.id)
)
_LATEST_FOR_CUSTOMER = (
    select(cases)
    .where(cases.c.customer_id == bindparam("customer_id"), cases.c.merged_into.is_(None))
    .order_by(cases.c.id.desc())
    .limit(1)
)
_LATEST = Prepared(_LATEST_FOR_CUSTOMER)
_LATEST_FOR_UPDATE = Prepared(_LATEST_FOR_CUSTOMER.with_for_update())
_MERGED_INTO = Prepared(select(cases.c.id).where(cases.c.merged_into == bindparam("case_id")))
_PROMISE_DUE_AT = Prepared(select(cases.c.promise_due_at).where(cases.c.id == bindparam("case_id")))
_SET_PROJECTION = Prepared(
    update(cases)
    .where(cases.c.id == bindparam("case_id"))
    .values(promise_due_at=bindparam("due_at"), promise_state=bindparam("state"))
)


class SqlCases:
    def __init__(self, connection: Connection) -> None:
        self._c = connection
        # promise_due_at of the rows this unit of work read or set: only set_promise_projection
        # writes the column, so the intake's answer needs no second read of a row it just read
        self._due: dict[CaseId, datetime | None] = {}
        # the cases as this unit of work read or last wrote them: ``update`` sets what changed
        self._read: dict[CaseId, Case] = {}

    def _loaded(self, row: Row[Any]) -> Case:
        self._due[CaseId(row.id)] = row.promise_due_at
        case = row_to_case(row)
        self._read[CaseId(row.id)] = case
        return case

    def get(self, case_id: CaseId, *, for_update: bool = False) -> Case | None:
        row = (_GET_FOR_UPDATE if for_update else _GET).first(self._c, {"id": case_id})
        return None if row is None else self._loaded(row)

    def add(self, case: Case, *, at: datetime) -> Case:
        values = {**case_values(case), "created_at": case.created_at, "updated_at": at}
        new_id = CaseId(_INSERT.new_id(self._c, values))
        return replace(case, id=new_id)

    def update(self, case: Case, *, at: datetime, only_if_unassigned: bool = False) -> bool:
        assert case.id is not None
        values = case_values(case)
        before = self._read.get(case.id)
        if before is not None:  # read in this transaction: write only what changed
            old = case_values(before)
            values = {name: value for name, value in values.items() if old[name] != value}
        values["updated_at"] = at
        statement = _update_statement(tuple(values), only_if_unassigned)
        updated = statement.run(self._c, {**values, "case_id": case.id}).rowcount == 1
        if updated:
            self._read[case.id] = case
        return bool(updated)

    def add_events(self, case_id: CaseId, events: Sequence[CaseEvent]) -> None:
        _INSERT_EVENT.run_many(
            self._c,
            [
                {"case_id": case_id, "kind": e.kind.value, "at": e.at, "data": dict(e.data)}
                for e in events
            ],
        )

    def history(self, case_ids: Sequence[CaseId]) -> list[CaseEvent]:
        if len(case_ids) == 1:
            found = _HISTORY_ONE.all(self._c, {"case_id": case_ids[0]})
            return [CaseEvent(CaseEventKind(r.kind), r.at, r.data) for r in found]
        rows = self._c.execute(
            select(case_events.c.kind, case_events.c.at, case_events.c.data)
            .where(case_events.c.case_id.in_(list(case_ids)))
            .order_by(case_events.c.at, case_events.c.id)
        )
        return [CaseEvent(CaseEventKind(r.kind), r.at, r.data) for r in rows]

    def latest_for_customer(
        self, customer_id: CustomerId, *, for_update: bool = False
    ) -> Case | None:
        statement = _LATEST_FOR_UPDATE if for_update else _LATEST
        row = statement.first(self._c, {"customer_id": customer_id})
        return None if row is None else self._loaded(row)

    def merged_into(self, case_id: CaseId) -> list[CaseId]:
        return [CaseId(r.id) for r in _MERGED_INTO.all(self._c, {"case_id": case_id})]

    def promise_due_at(self, case_id: CaseId) -> datetime | None:
        if case_id in self._due:
            return self._due[case_id]
        found: datetime | None = _PROMISE_DUE_AT.scalar(self._c, {"case_id": case_id})
        return found

    def set_promise_projection(
        self, case_id: CaseId, *, due_at: datetime | None, state: str | None
    ) -> None:
        _SET_PROJECTION.run(self._c, {"case_id": case_id, "due_at": due_at, "state": state})
        self._due[case_id] = due_at

    def waiting(self, *, limit: int) -> list[Case]:
        rows = self._c.execute(
            select(cases)
            .where(
                cases.c.assignee_id.is_(None),
                cases.c.status.in_(ACTIVE),
                cases.c.status != CaseStatus.PENDING_CUSTOMER.value,
            )
            .order_by(cases.c.priority.desc(), cases.c.waiting_since, cases.c.id)
            .limit(limit)
        )
        return [row_to_case(r) for r in rows]

    def waiting_emergencies(self, *, limit: int) -> list[Case]:
        # the ids first (a few µs, usually none), the cases only when there are some
        found = WAITING_EMERGENCIES[self._c.dialect.name].all(self._c, {"limit": limit})
        return [case for row in found if (case := self.get(CaseId(row.id))) is not None]

    def for_customer(self, customer_id: CustomerId, *, limit: int) -> list[Case]:
        """The customer's most recent cases, newest first (the case page's history)."""
        rows = self._c.execute(
            select(cases)
            .where(cases.c.customer_id == customer_id)
            .order_by(cases.c.id.desc())
            .limit(limit)
        )
        return [row_to_case(r) for r in rows]

    def list(self, *, after: int, limit: int, filters: Mapping[str, Any]) -> Page:
        query = _filtered(select(cases).where(cases.c.id > after), filters)
        rows = self._c.execute(query.order_by(cases.c.id).limit(limit + 1)).all()
        items = [row_to_case(r) for r in rows[:limit]]
        return Page(items, items[-1].id if len(rows) > limit and items else None)


_SIMPLE_FILTERS = (
    "status",
    "channel",
    "queue_id",
    "assignee_id",
    "customer_id",
    "language",
    "category",
    "priority",
)


def _filtered(query: Select[Any], filters: Mapping[str, Any]) -> Select[Any]:
    for name in _SIMPLE_FILTERS:
        value = filters.get(name)
        if value is not None:
            query = query.where(cases.c[name] == value)
    if filters.get("unassigned"):
        query = query.where(cases.c.assignee_id.is_(None))
    if filters.get("promise_state") is not None:
        query = query.where(cases.c.promise_state == filters["promise_state"])
    if filters.get("due_before") is not None:
        query = query.where(cases.c.promise_due_at <= filters["due_before"])
    return query
