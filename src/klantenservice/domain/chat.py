"""Web chat (the customer's widget): limits, client message ids, rate, queue estimates.

A chat is a customer's live conversation on the ``chat`` channel: one anonymous or matched
customer, one case, one secret token held by the customer's browser. What is decided here,
without I/O or a clock (``now`` is an argument everywhere):

- **Size.** A chat message is at most ``MAX_CHAT_MESSAGE_CHARS`` characters: a chat line, not
  a document (the channel-independent limit of 1 MB in ``messages.py`` is for e-mail).
- **Client message ids.** The browser names every message it sends (``client_id``) and sends
  it again, unchanged, after a reconnect; the id becomes the message's ``external_id``
  (scoped by chat: ``chat-<chat id>-<client id>``), so intake stores a resent message once.
- **Rate.** A token bucket per chat: a burst of ``RATE_BURST`` messages, then
  ``RATE_PER_SECOND``. A person typing never meets it; a script flooding the queue does.
  Starting chats is limited per client address the same way (``StartLimits``).
- **Expected wait.** Place in the queue times the seconds one place took recently (see
  ``expected_wait``), or a configured estimate when there is too little recent data.
"""

from __future__ import annotations

import re
import statistics
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from klantenservice.domain.errors import ValidationError

MAX_CHAT_MESSAGE_CHARS = 2000
MAX_NAME_CHARS = 100
RATE_BURST = 8
RATE_PER_SECOND = 2.0
START_BURST = 5  # chats one client address may start at once ...
START_PER_HOUR = 20.0  # ... and then per hour
MAX_ADDRESSES = 10_000  # addresses StartLimits remembers
MIN_WAIT_SAMPLES = 3  # fewer recent answered chats than this: use the configured estimate
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_EXTERNAL_PREFIX = "chat-"


def check_chat_body(body: str) -> str:
    """A chat message as the customer typed it; refused when empty or too long."""
    if not body.strip():
        raise ValidationError("the message is empty")
    if len(body) > MAX_CHAT_MESSAGE_CHARS:
        raise ValidationError(
            f"the message has {len(body)} characters; a chat message has at most "
            f"{MAX_CHAT_MESSAGE_CHARS}"
        )
    return body


def check_client_id(client_id: str) -> str:
    if not _CLIENT_ID.fullmatch(client_id):
        raise ValidationError("client_id must be 8..64 letters, digits, '-' or '_'")
    return client_id


def external_id(chat_id: int, client_id: str) -> str:
    """The intake's idempotency key of a chat message: unique per chat and client id."""
    return f"{_EXTERNAL_PREFIX}{chat_id}-{check_client_id(client_id)}"


def client_id_of(chat_id: int, stored_external_id: str | None) -> str | None:
    """The client id back from a stored ``external_id`` of this chat (None for others)."""
    prefix = f"{_EXTERNAL_PREFIX}{chat_id}-"
    if stored_external_id is None or not stored_external_id.startswith(prefix):
        return None
    return stored_external_id[len(prefix) :]


class StartLimits:
    """Chat starts per client address: a token bucket each, for as many addresses as fit.

    Starting a chat creates a customer and a case, so a script that starts chats in a loop
    would fill the queue with empty cases. A person starts a few chats an hour at most; an
    office behind one address (a bank branch's guest network) a few more: ``START_BURST`` at
    once, then ``START_PER_HOUR``. The table forgets the least recently seen address beyond
    ``MAX_ADDRESSES``, so it cannot grow without bound (a forgotten address starts afresh).
    """

    def __init__(
        self,
        burst: int = START_BURST,
        per_hour: float = START_PER_HOUR,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self._burst, self._per_second = burst, per_hour / 3600
        self._max = max_addresses
        self._buckets: OrderedDict[str, RateLimiter] = OrderedDict()

    def allow(self, address: str, now: datetime) -> bool:
        bucket = self._buckets.pop(address, None) or RateLimiter(self._burst, self._per_second)
        self._buckets[address] = bucket  # most recently seen last
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return bucket.allow(now)


@dataclass(slots=True)
class RateLimiter:
    """A token bucket: ``allow(now)`` takes one token or says no (then nothing is taken)."""

    burst: int = RATE_BURST
    per_second: float = RATE_PER_SECOND
    tokens: float = field(init=False)
    updated: datetime | None = None

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def allow(self, now: datetime) -> bool:
        if self.updated is not None:
            elapsed = max(0.0, (now - self.updated).total_seconds())
            self.tokens = min(float(self.burst), self.tokens + elapsed * self.per_second)
        self.updated = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True


@dataclass(frozen=True, slots=True)
class AnsweredChat:
    """A recent chat of the queue and its first answer: how long it waited, from which place."""

    started_at: datetime
    first_reply_at: datetime
    start_position: int

    @property
    def seconds_per_place(self) -> float:
        waited = max(0.0, (self.first_reply_at - self.started_at).total_seconds())
        return waited / max(1, self.start_position)


def expected_wait(
    position: int, recent: Sequence[AnsweredChat], default_per_place: timedelta
) -> timedelta:
    """How long a chat at ``position`` (1 = next) will probably wait for its first answer.

    ``position × seconds per place``, where seconds per place is the median, over recently
    answered chats of the same queue, of (wait until the first answer) / (place at the start).
    The median keeps one chat that waited overnight from swamping the estimate. With fewer
    than ``MIN_WAIT_SAMPLES`` answered chats the configured ``default_per_place`` is used.
    """
    if position <= 0:
        return timedelta(0)
    if len(recent) >= MIN_WAIT_SAMPLES:
        per_place = statistics.median(chat.seconds_per_place for chat in recent)
    else:
        per_place = default_per_place.total_seconds()
    return timedelta(seconds=round(position * per_place))


def wait_minutes(wait: timedelta) -> int:
    """The wait as a person is told it: whole minutes, rounded up (0 = under a minute)."""
    seconds = int(wait.total_seconds())
    return 0 if seconds < 60 else -(-seconds // 60)
