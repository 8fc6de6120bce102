"""Live updates: committed events pushed to signed-in staff while they work (the desk).

A live event is a *hint*, never the data itself: a small dict with the ``topic``, the outbox row
``id`` it came from and the ids it concerns (``case_id``, ``agent_id``, ``message_id``, ...)
plus a few enum-like values (``channel``, ``presence``, ``due_at``). A client that receives
one reads the current state through the normal, permission-checked API. So a live event never
carries a message body, a name, an address or a personal number, and ``live_event`` below is
the one place that decides what leaves: ids and short tokens, nothing else.

Invariants:

- **Only what committed is published.** Adapters publish after the transaction committed
  (SQLite: the unit of work hands them over after ``COMMIT``; PostgreSQL: ``pg_notify`` in the
  same transaction, which PostgreSQL delivers at commit only). A rolled-back change publishes
  nothing.
- **At most once, best effort.** A subscriber that falls behind, or a bus that lost its
  connection, gets a ``live.resync`` event instead of the events it missed: the client then
  reloads what it shows. Durable, retried delivery is the outbox's job, not this one.
- **Nobody waits on a subscriber.** Publishing never blocks and never fails the use case.

Ports: ``LivePublisher`` (hand over committed events; in-process bus only), ``LiveFeed``
(subscribe), ``LiveBus`` (both, plus start/stop); implemented in ``adapters/live/``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from klantenservice.domain.errors import PermissionDenied, ValidationError
from klantenservice.domain.permissions import Permission
from klantenservice.services import access
from klantenservice.services.ports import Actor

LiveEvent = dict[str, str | int | None]
"""``{"topic": "case.assigned", "id": 812, "case_id": 41, "agent_id": 3}``."""

RESYNC = "live.resync"
"""The topic that tells a client it may have missed events and should reload what it shows."""

MAX_TOPIC_FILTERS = 20
_TOPIC_FILTER = re.compile(r"[a-z_*]+(\.[a-z_*]+)*")
# Lower-case enum values (statuses, channels, presence, promise kinds): no digit first, no
# "+", "@" or ".", so a phone number or an e-mail address never passes as a token.
_TOKEN = re.compile(r"[a-z][a-z0-9_]{0,39}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")
_TOKEN_KEYS = frozenset({"channel", "presence", "promise", "from", "to"})
_INSTANT_KEYS = frozenset({"due_at", "warn_at", "breached_at"})


def live_event(event_id: int, topic: str, payload: Mapping[str, Any]) -> LiveEvent:
    """The live form of an outbox event: topic, outbox id, ids and enum-like values.

    Kept: keys ending in ``_id`` with an integer (or null) value, ``_TOKEN_KEYS`` whose value
    is a lower-case enum value (``pending_customer``, ``email``) and ``_INSTANT_KEYS`` whose
    value is an ISO instant. Everything else is dropped, so a payload that one day carries a
    name, an address or a message body cannot leak it.
    """
    event: LiveEvent = {"topic": topic, "id": event_id}
    for key, value in payload.items():
        if key not in event and _allowed(key, value):
            event[key] = value
    return event


def _allowed(key: str, value: object) -> bool:
    if key.endswith("_id"):
        return value is None or (isinstance(value, int) and not isinstance(value, bool))
    if not isinstance(value, str):
        return False
    if key in _TOKEN_KEYS:
        return _TOKEN.fullmatch(value) is not None
    return key in _INSTANT_KEYS and _INSTANT.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class LiveMessage:
    """One event as a subscriber receives it.

    ``cursor`` is this bus's position after the event (the SSE ``id``): a client that
    reconnects with it gets what followed, if the bus still has it, or a ``live.resync``.
    """

    cursor: str
    event: LiveEvent

    @property
    def topic(self) -> str:
        return str(self.event["topic"])


class LiveSubscription(Protocol):
    """Events for one subscriber, in the order the bus received them; close it when done."""

    @property
    def start_cursor(self) -> str:
        """The bus's position when this subscription began (a cursor to resume from)."""
        ...

    def __aiter__(self) -> AsyncIterator[LiveMessage]: ...
    async def receive(self, timeout: float) -> LiveMessage | None:
        """The next message, or None when ``timeout`` seconds passed without one.

        Raises ``StopAsyncIteration`` once the bus has stopped.
        """
        ...

    def close(self) -> None: ...


class LivePublisher(Protocol):
    def publish(self, events: Sequence[LiveEvent]) -> None:
        """Hand over events of a transaction that has committed.

        Callable from any thread; never blocks, never raises.
        """
        ...


class LiveFeed(Protocol):
    def subscribe(
        self, *, topics: frozenset[str] | None = None, last_cursor: str | None = None
    ) -> LiveSubscription:
        """Events whose topic matches one of ``topics`` (shell-style, ``case.*``), or all.

        ``last_cursor`` (the SSE ``Last-Event-ID``) replays what followed it when the bus
        still holds it; otherwise the subscription starts with a ``live.resync``.
        ``live.resync`` is delivered whatever the topics. Call from the event loop.
        """
        ...


class LiveBus(LiveFeed, Protocol):
    """A feed that runs in the web process: started and stopped by the app's lifespan."""

    async def start(self) -> None: ...
    async def stop(self) -> None:
        """Ends every subscription (their iterators stop) and releases connections."""
        ...


def open_live_feed(
    feed: LiveFeed,
    *,
    actor: Actor,
    topics: Sequence[str] = (),
    last_cursor: str | None = None,
) -> LiveSubscription:
    """Subscribe ``actor`` to live events: signed-in staff who may read cases.

    Integration tokens and customers are refused: systems get events by webhook (the outbox),
    customers through their own channels.
    """
    if actor.kind != "user":
        raise PermissionDenied("live updates are for signed-in staff")
    access.check(actor, Permission.CASE_READ)
    return feed.subscribe(topics=_topic_filters(topics), last_cursor=last_cursor)


def _topic_filters(topics: Sequence[str]) -> frozenset[str] | None:
    if not topics:
        return None
    if len(topics) > MAX_TOPIC_FILTERS:
        raise ValidationError(f"at most {MAX_TOPIC_FILTERS} topics, got {len(topics)}")
    for topic in topics:
        if len(topic) > 60 or not _TOPIC_FILTER.fullmatch(topic):
            raise ValidationError(
                f"topic {topic[:60]!r} is not a topic pattern like 'case.assigned' or 'case.*'"
            )
    return frozenset(topics)
