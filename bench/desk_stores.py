"""Where bench/desk.py writes its bulk rows: SQLite through ``sqlite3``, PostgreSQL with ``COPY``.

Each store also knows how it keeps an instant (``stamp``), how to take the baseline copy of
the 10k-case stage (``snapshot``) and what to do after a stage (``finish``).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg


class Store:
    """Writes rows to one database; ``stamp`` formats an instant the way the store keeps it."""

    def copy(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After a stage: fix id sequences, refresh planner statistics where the store would."""

    def snapshot(self) -> str:
        """A copy of the database as it is now (the baseline); its URL."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @staticmethod
    def stamp(at: datetime | None) -> str | None:
        raise NotImplementedError


class SqliteStore(Store):
    def __init__(self, path: str, base_path: Path) -> None:
        self.path, self.base_path = path, base_path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")  # seeding only; the app runs as configured
        self.db.execute("BEGIN")

    def copy(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        marks = ", ".join("?" * len(columns))
        self.db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return list(self.db.execute(sql))

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def finish(self) -> None:
        self.commit()
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def snapshot(self) -> str:
        self.finish()
        shutil.copyfile(self.path, self.base_path)
        return f"sqlite:///{self.base_path}"

    def close(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()

    @staticmethod
    def stamp(at: datetime | None) -> str | None:  # as SQLAlchemy stores it: naive UTC text
        return None if at is None else at.replace(tzinfo=None).isoformat(" ", "microseconds")


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        self.db = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    def snapshot(self) -> str:
        """``CREATE DATABASE ... TEMPLATE``: needs every connection to the source closed."""
        self.db.close()
        name = self.url.rsplit("/", 1)[1]
        with psycopg.connect(_libpq(self.url, "postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}_base")
            admin.execute(f"CREATE DATABASE {name}_base TEMPLATE {name}")
        self.db = psycopg.connect(_libpq(self.url, name))
        return self.url.rsplit("/", 1)[0] + f"/{name}_base"

    def copy(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        with self.db.cursor() as cursor:
            statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.db.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []

    def commit(self) -> None:
        self.db.commit()

    def finish(self) -> None:
        for table in ("customers", "cases", "case_events", "messages"):
            self.query(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        self.commit()
        self.db.autocommit = True
        self.query("ANALYZE")  # what autovacuum does after a bulk load, done now
        self.db.autocommit = False

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    @staticmethod
    def stamp(at: datetime | None) -> str | None:
        return None if at is None else at.isoformat(" ", "microseconds")


def _libpq(url: str, database: str) -> str:
    base = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    return f"{base}/{database}"


def fresh_postgres_database(url: str, name: str) -> str:
    """A new empty database ``name`` on the server of ``url``; its SQLAlchemy URL."""
    with psycopg.connect(_libpq(url, "postgres"), autocommit=True) as admin:
        for database in (f"{name}_base", name):
            admin.execute(f"DROP DATABASE IF EXISTS {database}")
        admin.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"
