"""The SQL unit of work: one connection, one transaction, all repositories on it.

Rolls back unless ``commit()`` is called. At commit the buffered audit records are sealed onto
the hash chain in the same transaction, so a state change, its audit rows and its outbox events
become visible together or not at all.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from klantenservice.adapters.db.engine import READ_ONLY
from klantenservice.adapters.db.repositories.agents import SqlAgents
from klantenservice.adapters.db.repositories.audit import SqlAudit
from klantenservice.adapters.db.repositories.cases import SqlCases
from klantenservice.adapters.db.repositories.customers import SqlCustomers
from klantenservice.adapters.db.repositories.directory import ConfigCache, SqlDirectory
from klantenservice.adapters.db.repositories.messages import SqlMessages
from klantenservice.adapters.db.repositories.outbox import SqlOutbox
from klantenservice.adapters.db.repositories.staff import SqlStaff


class SqlUnitOfWork:
    def __init__(self, engine: Engine, cache: ConfigCache, *, read_only: bool = False) -> None:
        self._engine = engine
        self._cache = cache
        self._read_only = read_only
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        connection = self._engine.connect()
        if self._read_only:
            connection = connection.execution_options(**{READ_ONLY: True})
        connection.begin()
        self._connection = connection
        self.customers = SqlCustomers(connection)
        self.cases = SqlCases(connection)
        self.messages = SqlMessages(connection)
        self.agents = SqlAgents(connection)
        self.directory = SqlDirectory(connection, self._cache)
        self.staff = SqlStaff(connection)
        self.audit = SqlAudit(connection)
        self.outbox = SqlOutbox(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            assert self._connection is not None
            self._connection.close()
            self._connection = None

    @property
    def connection(self) -> Connection:
        assert self._connection is not None, "use the unit of work inside `with`"
        return self._connection

    def commit(self) -> None:
        self.audit.flush()
        self.connection.commit()

    def rollback(self) -> None:
        self.audit.discard()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine; shares the configuration cache between them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.cache = ConfigCache()

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.cache, read_only=read_only)
