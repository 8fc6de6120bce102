"""Customer matching in the store: its lookups are indexed (EXPLAIN QUERY PLAN, no timings),
and a merge moves every table keyed by a customer (the schema is checked, not a list)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Select, select
from tests.adapters.test_plans import plan

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.repositories.customer_matching import (
    KEPT_WITH_RECORD,
    MOVED_WITH_CUSTOMER,
)
from klantenservice.adapters.db.tables import (
    contact_points,
    customer_match_decisions,
    customers,
    metadata,
)


def literal(statement: Select[Any], database: Path) -> str:
    engine = make_engine(f"sqlite:///{database}")
    return str(statement.compile(engine, compile_kwargs={"literal_binds": True}))


def test_candidates_are_found_by_the_match_key_index(sqlite_template: Path) -> None:
    """The repository's candidate query, as it runs: keys of a phone and two mailboxes."""
    owners = (
        select(contact_points.c.customer_id)
        .where(contact_points.c.match_key.in_(["n:31612345678", "e:jan@example.nl"]))
        .where(contact_points.c.customer_id != 7)
        .distinct()
        .limit(20)
    )
    found = plan(sqlite_template, literal(owners, sqlite_template), ())
    assert "ix_contact_points_match_key (match_key=?)" in found, found
    assert "SCAN contact_points" not in found, found


def test_decisions_of_a_customer_are_found_by_index_from_both_sides(sqlite_template: Path) -> None:
    table = customer_match_decisions
    for column, index in (
        (table.c.customer_id, "INDEX sqlite_autoindex_customer_match_decisions_1 (customer_id=?)"),
        (table.c.other_id, "INDEX ix_customer_match_decisions_other_id (other_id=?)"),
    ):
        query = select(table.c.id).where(column == 7, table.c.decision == "rejected")
        found = plan(sqlite_template, literal(query, sqlite_template), ())
        assert index in found, found


def test_flattening_merges_uses_the_partial_merged_into_index(sqlite_template: Path) -> None:
    query = select(customers.c.id).where(customers.c.merged_into == 7)
    found = plan(sqlite_template, literal(query, sqlite_template), ())
    assert "ix_customers_merged_into" in found, found


def test_every_table_keyed_by_a_customer_is_moved_or_kept_on_purpose() -> None:
    """A new table with a customer_id must be added to one of the lists (and to the merge)."""
    referencing = {
        table.name
        for table in metadata.tables.values()
        for column in table.columns
        for key in column.foreign_keys
        if isinstance(key, ForeignKey) and key.column.table is customers and table is not customers
    }
    decided = {t.name for t in (*MOVED_WITH_CUSTOMER, *KEPT_WITH_RECORD)}
    assert referencing == decided
