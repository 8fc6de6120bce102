"""The outbox: events written in the same transaction as the change they announce."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert

from klantenservice.adapters.db.tables import outbox
from klantenservice.domain.events import DomainEvent


class SqlOutbox:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, event: DomainEvent) -> None:
        self.add_all([event])

    def add_all(self, events: Sequence[DomainEvent]) -> None:
        if events:
            self._c.execute(
                insert(outbox),
                [
                    {
                        "topic": e.topic,
                        "payload": dict(e.payload),
                        "created_at": e.at,
                        "available_at": e.at,
                        "attempts": 0,
                    }
                    for e in events
                ],
            )
