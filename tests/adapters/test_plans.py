"""Query plans the intake depends on, read from SQLite's EXPLAIN QUERY PLAN (no timings)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import select

from klantenservice.adapters.db.engine import make_engine
from klantenservice.adapters.db.repositories.cases import (
    _LATEST,
    _MERGED_INTO,
    WAITING_EMERGENCIES,
)
from klantenservice.adapters.db.tables import cases


def plan(database: Path, sql: str, parameters: tuple[object, ...]) -> str:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
    connection.close()
    return " | ".join(str(row[-1]) for row in rows)


def compiled(statement: object, url: str) -> str:
    return str(statement.compile(make_engine(url)))  # type: ignore[attr-defined]


def test_the_latest_case_of_a_customer_is_found_by_its_customer_not_by_merged_into(
    sqlite_template: Path,
) -> None:
    """Over all cases, ``ix_cases_merged_into`` made every intake scan every case (0010)."""
    url = f"sqlite:///{sqlite_template}"
    found = plan(sqlite_template, compiled(_LATEST._statement, url), (7, 1, 0))
    assert "ix_cases_customer_status (customer_id=?)" in found, found
    assert "merged_into" not in found, found


def test_merge_lookups_still_use_the_partial_merged_into_index(sqlite_template: Path) -> None:
    url = f"sqlite:///{sqlite_template}"
    one = plan(sqlite_template, compiled(_MERGED_INTO._statement, url), (7,))
    assert "ix_cases_merged_into" in one, one
    page = select(cases.c.id, cases.c.merged_into).where(cases.c.merged_into.in_([1, 2, 3]))
    many = plan(
        sqlite_template,
        compiled(page, url).replace("__[POSTCOMPILE_merged_into_1]", "?, ?, ?"),
        (1, 2, 3),
    )
    assert "ix_cases_merged_into" in many, many


def test_the_waiting_emergencies_are_read_from_their_partial_index(sqlite_template: Path) -> None:
    """Read once per intake batch: over the open cases it would grow with the backlog."""
    url = f"sqlite:///{sqlite_template}"
    sql = compiled(WAITING_EMERGENCIES["sqlite"]._statement, url)
    found = plan(sqlite_template, sql, (200,))
    assert "ix_cases_waiting_emergencies" in found, found
    assert "TEMP B-TREE" not in found, found  # ordered by the index itself
