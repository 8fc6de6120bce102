"""The SQL unit of work: one connection, one transaction, all repositories on it.

Rolls back unless ``commit()`` is called. At commit the buffered audit records are sealed onto
the hash chain in the same transaction, so a state change, its audit rows and its outbox events
become visible together or not at all.

Live updates (``docs/subsystems/live.md``): on SQLite, with a ``live`` publisher, the outbox
collects the live form of its events in this unit of work and ``commit()`` hands them over after
``COMMIT`` succeeded; a rollback drops them. On PostgreSQL the outbox sends them with
``pg_notify`` inside the transaction instead, so ``live`` is not used there.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from klantenservice.adapters.db.engine import READ_ONLY
from klantenservice.adapters.db.repositories.agents import SqlAgents
from klantenservice.adapters.db.repositories.attachments import SqlAttachments
from klantenservice.adapters.db.repositories.audit import SqlAudit
from klantenservice.adapters.db.repositories.calls import SqlCalls
from klantenservice.adapters.db.repositories.cases import SqlCases
from klantenservice.adapters.db.repositories.chats import SqlChats
from klantenservice.adapters.db.repositories.customer_matching import SqlCustomerMatches
from klantenservice.adapters.db.repositories.customers import SqlCustomers
from klantenservice.adapters.db.repositories.directory import ConfigCache, SqlDirectory
from klantenservice.adapters.db.repositories.email import SqlEmail
from klantenservice.adapters.db.repositories.emergency import SqlEmergencies
from klantenservice.adapters.db.repositories.inbox import SqlInbox
from klantenservice.adapters.db.repositories.incidents import SqlIncidents
from klantenservice.adapters.db.repositories.messages import SqlMessages
from klantenservice.adapters.db.repositories.messaging import SqlMessaging
from klantenservice.adapters.db.repositories.outbox import SqlOutbox
from klantenservice.adapters.db.repositories.portal import SqlPortal
from klantenservice.adapters.db.repositories.reply_templates import SqlReplyTemplates
from klantenservice.adapters.db.repositories.staff import SqlStaff
from klantenservice.adapters.db.repositories.supervision import SqlSupervision
from klantenservice.services.live import LiveEvent, LivePublisher

log = logging.getLogger(__name__)


class SqlUnitOfWork:
    def __init__(
        self,
        engine: Engine,
        cache: ConfigCache,
        *,
        read_only: bool = False,
        writer_lock: threading.Lock | None = None,
        live: LivePublisher | None = None,
    ) -> None:
        self._engine = engine
        self._live = live
        self._live_pending: list[LiveEvent] = []
        self._cache = cache
        self._read_only = read_only
        self._writer_lock = writer_lock if not read_only else None
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._writer_lock is not None:
            self._writer_lock.acquire()
        try:
            return self._open()
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._writer_lock is not None and self._writer_lock.locked():
            self._writer_lock.release()

    def _open(self) -> Self:
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
        self.chats = SqlChats(connection)
        self.reply_templates = SqlReplyTemplates(connection)
        self.portal = SqlPortal(connection)
        self.inbox = SqlInbox(connection)
        self.supervision = SqlSupervision(connection)
        self.messaging = SqlMessaging(connection)  # WhatsApp and SMS
        self.email = SqlEmail(connection)
        self.calls = SqlCalls(connection)  # phone
        self.matches = SqlCustomerMatches(connection)  # one customer across channels
        self.emergencies = SqlEmergencies(connection)  # the emergency lane
        self.attachments = SqlAttachments(connection)  # what customers attached
        self.incidents = SqlIncidents(connection)  # incident mode
        self._live_pending = []
        self.outbox = SqlOutbox(connection, self._live_pending if self._live is not None else None)
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
            self._release()

    @property
    def connection(self) -> Connection:
        assert self._connection is not None, "use the unit of work inside `with`"
        return self._connection

    def commit(self) -> None:
        self.audit.flush()
        self.connection.commit()
        self._publish_live()

    def _publish_live(self) -> None:
        """After COMMIT: the change is durable whatever happens to the live events."""
        events = list(self._live_pending)
        self._live_pending.clear()  # the outbox holds this very list
        if events and self._live is not None:
            try:
                self._live.publish(events)
            except Exception:  # never fail a committed use case for a browser hint
                log.exception("live: publishing %d committed events failed", len(events))

    def rollback(self) -> None:
        self._live_pending.clear()
        self.audit.discard()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine; shares the configuration cache between them.

    On SQLite, write transactions of this process queue on a ``threading.Lock`` before
    ``BEGIN IMMEDIATE``: SQLite's own busy handler waits by sleeping (up to 100 ms a try),
    which under concurrent requests costs far more than waiting on a lock in the process.
    """

    def __init__(self, engine: Engine, *, live: LivePublisher | None = None) -> None:
        self.engine = engine
        self.cache = ConfigCache()
        self._writer_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._live = live

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(
            self.engine,
            self.cache,
            read_only=read_only,
            writer_lock=self._writer_lock,
            live=self._live,
        )
