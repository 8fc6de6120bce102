"""Engines for SQLite (embedded default, WAL) and PostgreSQL (``KS_DATABASE_URL``).

SQLite: one writer at a time is SQLite's model, so write transactions start with
``BEGIN IMMEDIATE`` (taking the write lock up front instead of failing half-way with
"database is locked"); read-only units of work start a deferred ``BEGIN`` so readers never wait
on writers (WAL). ``synchronous`` is configurable (NORMAL by default: durable across process
crashes, may lose the last commits on power loss; FULL for every commit on disk).

PostgreSQL: psycopg 3, READ COMMITTED; assignment paths lock rows explicitly.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry

READ_ONLY = "ks_read_only"


def json_text(value: Any) -> str:
    """JSON columns are written with orjson: several per inbound message, 3-5x faster."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


JSON_CODEC: dict[str, Any] = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def make_engine(url: str, *, sqlite_synchronous: str = "NORMAL", pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, sqlite_synchronous)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, **JSON_CODEC
    )


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    if synchronous not in {"OFF", "NORMAL", "FULL"}:
        raise ValueError(f"sqlite synchronous must be OFF, NORMAL or FULL, not {synchronous!r}")
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine
