"""The outbox dispatcher: delivers outbox events after the transaction that wrote them committed.

Services write ``outbox`` rows in the same commit as the change they announce (DESIGN.md
convention 4), so an event exists exactly when its change does. This worker takes it from
there, at least once:

    claim (short tx) ──► deliver to every matching handler (no tx open) ──► record (short tx)
      lease: available_at = now + lease,        all succeed ──► delivered_at = now
      attempts + 1                              one fails   ──► available_at = now + backoff,
                                                                last_error = short reason

- **Transactions** come from the ``SqlUnitOfWorkFactory`` (its connection, no repositories), so
  on SQLite the dispatcher queues with the other writers of its process.
- **Claiming** selects undelivered rows whose ``available_at`` has come and whose attempts are
  not used up, oldest first, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several dispatchers
  share the work without waiting on each other (SQLite has one writer: ``BEGIN IMMEDIATE``).
  The claim moves ``available_at`` to the end of a *lease* and counts the attempt, then
  commits: no transaction, and on SQLite no write lock, is held while handlers talk to the
  network. A dispatcher that dies mid-delivery leaves the row to be claimed again when the
  lease ends; an event that crashes the process every time still uses up its attempts.
- **Recording** only touches the row if this dispatcher's lease is still the one on it
  (``available_at`` unchanged), so a dispatcher that outlived its lease cannot overwrite the
  outcome of the one that claimed the row after it.
- **Failures** back off exponentially (``RetryPolicy``: 30 s, 1 min, 2 min, ... capped at 1 h).
  After ``max_attempts`` a row stays undelivered for good: it is *dead*, listed by
  ``pending_report`` for an operator, who can fix the cause and reset its attempts.
- ``last_error`` is short and never holds payload contents: the text of ``DeliveryError``
  (written by handlers for this column), otherwise only the exception's class name.

At least once, not exactly once: a retry goes to every matching handler again, also to those
that succeeded the first time, and rows of one case are not ordered across retries. Handlers
must be idempotent on ``OutboxEvent.id`` (webhooks send it as ``Idempotency-Key``).
"""

from __future__ import annotations

import fnmatch
import hashlib
import hmac
import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
import orjson
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from klantenservice.adapters.db.tables import outbox
from klantenservice.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from klantenservice.services.ports import Clock

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 200


class DeliveryError(Exception):
    """A handler could not deliver; its message is stored, so it must not quote the payload."""


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One outbox row as handlers see it; ``id`` is stable across retries (deduplicate on it)."""

    id: int
    topic: str
    payload: Mapping[str, Any]
    created_at: datetime
    attempt: int  # 1 on the first delivery

    def as_json(self) -> bytes:
        return orjson.dumps(
            {
                "id": self.id,
                "topic": self.topic,
                "occurred_at": self.created_at.isoformat(),
                "attempt": self.attempt,
                "payload": dict(self.payload),
            }
        )


class Handler(Protocol):
    """Receives the events whose topic it accepts; raises to have the event retried."""

    def accepts(self, topic: str) -> bool: ...
    def deliver(self, event: OutboxEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic patterns in shell style: ``case.*``, ``promise.breached``; ``*`` is everything."""

    patterns: tuple[str, ...] = ("*",)

    def __call__(self, topic: str) -> bool:
        return any(fnmatch.fnmatchcase(topic, pattern) for pattern in self.patterns)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: ``base * 2**(attempts - 1)``, at most ``cap``; dead after the last."""

    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 10
    lease: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError("retry policy needs max_attempts >= 1 and 0 < base <= cap")

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt (1-based)."""
        exponent = min(max(attempts - 1, 0), 32)  # 2**32 * base is far beyond any cap
        return min(self.base * (1 << exponent), self.cap)


@dataclass(frozen=True, slots=True)
class DeadEvent:
    id: int
    topic: str
    attempts: int
    created_at: datetime
    last_error: str | None


@dataclass(frozen=True, slots=True)
class PendingReport:
    """The outbox's health: what waits, what is retrying, and what gave up (dead)."""

    waiting: int  # undelivered, never failed
    retrying: int  # undelivered, failed before, attempts left
    dead: tuple[DeadEvent, ...]  # undelivered, attempts used up (oldest first, capped)
    dead_count: int
    oldest_undelivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Claimed:
    event: OutboxEvent
    lease_until: datetime


@dataclass
class OutboxDispatcher:
    """Delivers committed outbox rows to ``handlers``; ``run_once`` is one batch."""

    uow_factory: SqlUnitOfWorkFactory
    handlers: Sequence[Handler]
    clock: Clock
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 50

    def run_once(self) -> int:
        """Claim one batch, deliver it, record the outcomes; returns the number delivered."""
        delivered = 0
        for claimed in self._claim():
            error = self._deliver(claimed.event)
            self._record(claimed, error)
            delivered += error is None
        return delivered

    def run_forever(self, stop_event: threading.Event, poll_seconds: float = 1.0) -> None:
        """Dispatch until ``stop_event`` is set; sleeps ``poll_seconds`` when there is no work.

        A database outage is logged and waited out; it does not end the loop.
        """
        while not stop_event.is_set():
            try:
                busy = self.run_once() > 0
            except SQLAlchemyError:
                log.exception("outbox dispatch failed; retrying in %.1f s", poll_seconds)
                busy = False
            if not busy:
                stop_event.wait(poll_seconds)

    def pending_report(self, *, dead_limit: int = 100) -> PendingReport:
        return pending_report(
            self.uow_factory, max_attempts=self.retry.max_attempts, limit=dead_limit
        )

    # -- steps ---------------------------------------------------------------------------------
    def _claim(self) -> list[_Claimed]:
        now = self.clock.now()
        lease_until = now + self.retry.lease
        with self.uow_factory() as uow:
            rows = uow.connection.execute(
                select(
                    outbox.c.id,
                    outbox.c.topic,
                    outbox.c.payload,
                    outbox.c.created_at,
                    outbox.c.attempts,
                )
                .where(
                    outbox.c.delivered_at.is_(None),
                    outbox.c.available_at <= now,
                    outbox.c.attempts < self.retry.max_attempts,
                )
                .order_by(outbox.c.available_at, outbox.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if rows:
                uow.connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([r.id for r in rows]))
                    .values(available_at=lease_until, attempts=outbox.c.attempts + 1)
                )
            uow.commit()
        return [
            _Claimed(
                OutboxEvent(r.id, r.topic, r.payload, r.created_at, r.attempts + 1), lease_until
            )
            for r in rows
        ]

    def _deliver(self, event: OutboxEvent) -> str | None:
        """Hand ``event`` to every handler that accepts it; the first failure's short reason."""
        for handler in self.handlers:
            if not handler.accepts(event.topic):
                continue
            try:
                handler.deliver(event)
            except Exception as error:  # any failure of a handler means: retry later
                reason = describe_failure(handler, error)
                log.warning(
                    "outbox event %s (%s) attempt %s failed: %s",
                    event.id,
                    event.topic,
                    event.attempt,
                    reason,
                )
                return reason
        return None

    def _record(self, claimed: _Claimed, error: str | None) -> None:
        event, now = claimed.event, self.clock.now()
        ours = and_(
            outbox.c.id == event.id,
            outbox.c.delivered_at.is_(None),
            outbox.c.available_at == claimed.lease_until,
        )
        if error is None:
            values: dict[str, Any] = {"delivered_at": now, "last_error": None}
        else:
            values = {"available_at": now + self.retry.delay(event.attempt), "last_error": error}
            if event.attempt >= self.retry.max_attempts:
                log.error("outbox event %s (%s) is dead: %s", event.id, event.topic, error)
        with self.uow_factory() as uow:
            result = uow.connection.execute(update(outbox).where(ours).values(**values))
            uow.commit()
        if result.rowcount != 1:
            log.warning("outbox event %s: lease ended before the outcome was recorded", event.id)


def describe_failure(handler: object, error: BaseException) -> str:
    """The ``last_error`` text: handler and error kind, and only texts meant for storage."""
    name = getattr(handler, "name", type(handler).__name__)
    if isinstance(error, DeliveryError):
        text = f"{name}: {error}"
    else:
        text = f"{name}: {type(error).__name__}"
    return text[:MAX_ERROR_LENGTH]


def pending_report(
    uow_factory: SqlUnitOfWorkFactory, *, max_attempts: int, limit: int = 100
) -> PendingReport:
    """Counts of waiting, retrying and dead rows, and the oldest dead ones (read-only)."""
    undelivered = outbox.c.delivered_at.is_(None)
    dead = and_(undelivered, outbox.c.attempts >= max_attempts)
    with uow_factory(read_only=True) as uow:
        connection = uow.connection
        counts = connection.execute(
            select(
                func.count().filter(outbox.c.attempts == 0),
                func.count().filter(outbox.c.attempts > 0, outbox.c.attempts < max_attempts),
                func.count().filter(outbox.c.attempts >= max_attempts),
                func.min(outbox.c.created_at),
            ).where(undelivered)
        ).one()
        rows = connection.execute(
            select(
                outbox.c.id,
                outbox.c.topic,
                outbox.c.attempts,
                outbox.c.created_at,
                outbox.c.last_error,
            )
            .where(dead)
            .order_by(outbox.c.id)
            .limit(limit)
        ).all()
    return PendingReport(
        waiting=int(counts[0]),
        retrying=int(counts[1]),
        dead=tuple(DeadEvent(r.id, r.topic, r.attempts, r.created_at, r.last_error) for r in rows),
        dead_count=int(counts[2]),
        oldest_undelivered_at=counts[3],
    )


# -- webhooks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    """One receiving URL; with ``secret`` each request is signed (HMAC-SHA256 of the body)."""

    url: str
    secret: str | None = None


class WebhookHandler:
    """POSTs events as JSON to every configured URL; a non-2xx answer or a timeout is a failure.

    Headers: ``Idempotency-Key`` (the outbox id, identical on retries), ``X-Klantenservice-Topic``
    and, when the target has a secret, ``X-Klantenservice-Signature: sha256=<hex>`` over the
    exact body. Failure reasons name the host and the status, never the URL's path or query
    (which may carry a token) nor the payload.
    """

    def __init__(
        self,
        targets: Iterable[WebhookTarget],
        *,
        topics: Topics | None = None,
        timeout: float = 5.0,
        client: httpx.Client | None = None,
        name: str = "webhook",
    ) -> None:
        self.targets = tuple(targets)
        self.topics = topics or Topics()
        self.name = name
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    def accepts(self, topic: str) -> bool:
        return self.topics(topic)

    def deliver(self, event: OutboxEvent) -> None:
        body = event.as_json()
        for target in self.targets:
            self._post(target, body, event)

    def close(self) -> None:
        self._client.close()

    def _post(self, target: WebhookTarget, body: bytes, event: OutboxEvent) -> None:
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": str(event.id),
            "X-Klantenservice-Topic": event.topic,
        }
        if target.secret:
            digest = hmac.new(target.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Klantenservice-Signature"] = f"sha256={digest}"
        host = httpx.URL(target.url).host or "?"
        try:
            response = self._client.post(target.url, content=body, headers=headers)
        except httpx.TimeoutException:
            raise DeliveryError(f"timeout posting to {host}") from None
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__} posting to {host}") from None
        if not response.is_success:
            raise DeliveryError(f"HTTP {response.status_code} from {host}")
