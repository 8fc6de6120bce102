"""Prepared statements run on the driver with the columns' own conversions, on both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, bindparam, insert, select
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError

from klantenservice.adapters.db.engine import json_text, make_engine
from klantenservice.adapters.db.prepared import Prepared
from klantenservice.adapters.db.schema import upgrade_to_head
from klantenservice.adapters.db.tables import case_events, messages, outbox
from klantenservice.adapters.db.types import UTCDateTime

WHEN = datetime(2026, 3, 29, 0, 30, tzinfo=timezone(timedelta(hours=1)))  # DST night, +01:00

INSERT_OUTBOX = Prepared(
    insert(outbox)
    .values(
        topic=bindparam("topic"),
        payload=bindparam("payload"),
        created_at=bindparam("at"),
        available_at=bindparam("at"),
        attempts=0,
    )
    .returning(outbox.c.id)
)
BY_TOPIC = Prepared(
    select(outbox.c.id, outbox.c.payload, outbox.c.created_at).where(
        outbox.c.topic == bindparam("topic")
    )
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_to_head(database_url)
    made = make_engine(database_url)
    yield made
    made.dispose()


def test_values_round_trip_through_the_columns_types(engine: Engine) -> None:
    with engine.begin() as connection:
        new_id = INSERT_OUTBOX.new_id(
            connection, {"topic": "t.one", "payload": {"case_id": 3, "tags": ["a"]}, "at": WHEN}
        )
        row = BY_TOPIC.first(connection, {"topic": "t.one"})
    assert row is not None
    assert row.id == new_id
    assert row.payload == {"case_id": 3, "tags": ["a"]}
    assert row.created_at == WHEN and row.created_at.tzinfo is UTC


def test_what_prepared_wrote_core_reads_the_same_way(engine: Engine) -> None:
    with engine.begin() as connection:
        INSERT_OUTBOX.run(connection, {"topic": "t.two", "payload": {"n": 1}, "at": WHEN})
        row = connection.execute(select(outbox).where(outbox.c.topic == "t.two")).one()
    assert row.payload == {"n": 1}
    assert row.created_at == WHEN


def test_a_prepared_statement_joins_the_transaction_it_runs_in(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.begin()
        INSERT_OUTBOX.run(connection, {"topic": "t.rolled", "payload": {}, "at": WHEN})
        connection.rollback()
    with engine.connect() as connection:
        assert BY_TOPIC.all(connection, {"topic": "t.rolled"}) == []


def test_run_many_writes_every_row(engine: Engine) -> None:
    rows = [{"topic": "t.many", "payload": {"i": i}, "at": WHEN} for i in range(5)]
    with engine.begin() as connection:
        insert_rows = Prepared(
            insert(outbox).values(
                topic=bindparam("topic"),
                payload=bindparam("payload"),
                created_at=bindparam("at"),
                available_at=bindparam("at"),
                attempts=0,
            )
        )
        insert_rows.run_many(connection, rows)
        found = BY_TOPIC.all(connection, {"topic": "t.many"})
    assert sorted(r.payload["i"] for r in found) == [0, 1, 2, 3, 4]


def test_driver_errors_arrive_as_sqlalchemys_exception_classes(engine: Engine) -> None:
    insert_message = Prepared(
        insert(messages).values(
            case_id=bindparam("case_id"),
            channel="email",
            direction="inbound",
            author_kind="customer",
            body="x",
            external_id="dup",
            created_at=bindparam("at"),
        )
    )
    # no case 999: the foreign key refuses the row
    with engine.connect() as connection, connection.begin(), pytest.raises(IntegrityError):
        insert_message.run(connection, {"case_id": 999, "at": WHEN})


def test_expanding_lists_are_refused_when_the_statement_is_first_run(engine: Engine) -> None:
    statement = Prepared(select(case_events.c.id).where(case_events.c.case_id.in_([1, 2])))
    with engine.connect() as connection, pytest.raises(TypeError, match="expanding"):
        statement.all(connection, {})


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 2),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    offset_minutes=st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_the_fast_sqlite_datetime_conversion_is_exactly_sqlalchemys(
    moment: datetime, offset_minutes: int
) -> None:
    """``UTCDateTime``'s fast processors write and read the very text SQLAlchemy's do."""
    dialect = sqlite_dialect.dialect()
    column_type = UTCDateTime()
    fast_bind = column_type.fast_bind_processor(dialect)
    fast_read = column_type.fast_result_processor(dialect)
    generic_bind = column_type.dialect_impl(dialect).bind_processor(dialect)
    generic_read = column_type.dialect_impl(dialect).result_processor(dialect, None)
    assert fast_bind and fast_read and generic_bind and generic_read
    local = moment.astimezone(timezone(timedelta(minutes=offset_minutes)))
    text = fast_bind(local)
    assert text == generic_bind(local)
    assert fast_read(text) == generic_read(text) == moment
    assert fast_read(text).tzinfo is UTC
    without_fraction = text.split(".")[0]  # rows written by other tools may lack microseconds
    assert fast_read(without_fraction) == generic_read(without_fraction)


def test_the_fast_conversion_refuses_a_naive_datetime_like_the_generic_one() -> None:
    fast_bind = UTCDateTime().fast_bind_processor(sqlite_dialect.dialect())
    assert fast_bind is not None
    with pytest.raises(ValueError, match="naive datetime"):
        fast_bind(datetime(2026, 11, 23, 12, 0))  # noqa: DTZ001 (the point of the test)


def test_json_columns_use_the_engines_codec_in_prepared_statements(engine: Engine) -> None:
    """orjson, as set on the engine (engine.JSON_CODEC), not the dialect's default json."""
    with engine.begin() as connection:
        INSERT_OUTBOX.run(
            connection, {"topic": "t.codec", "payload": {"b": 1, "a": [1]}, "at": WHEN}
        )
        stored = connection.exec_driver_sql(
            "SELECT payload FROM outbox WHERE topic = 't.codec'"
        ).scalar_one()
    assert (stored if isinstance(stored, str) else json_text(stored)) == '{"b":1,"a":[1]}'
