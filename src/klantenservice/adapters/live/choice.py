"""Which live bus a server process runs, by database URL."""

from __future__ import annotations

from klantenservice.adapters.live.in_process import InProcessLiveBus
from klantenservice.adapters.live.postgres import PostgresLiveBus
from klantenservice.services.live import LiveBus, LivePublisher


def live_bus_for(database_url: str) -> tuple[LiveBus, LivePublisher | None]:
    """The bus, and what the unit-of-work factory must publish to after commit (or None).

    PostgreSQL: LISTEN/NOTIFY; the outbox notifies inside the transaction, so the units of
    work publish nothing themselves. Otherwise (SQLite): the in-process bus, fed by the units
    of work after commit.
    """
    if database_url.startswith("postgresql"):
        listener: LiveBus = PostgresLiveBus(database_url)
        return listener, None
    in_process = InProcessLiveBus()
    bus: LiveBus = in_process
    publisher: LivePublisher = in_process
    return bus, publisher
