"""The chat hub of one server process: which open chat sockets show which case, and what to
tell them when something committed.

One subscription to the live bus per process (not one per chat), fanned out by case id:

    live bus ──► ChatHub._listen ──► message.*  for case 41 ──► sync() of the sockets of case 41
                                 ──► case.*, chat.*, live.resync ──► queue refresh (debounced)
                                 ──► live.resync ──► sync() of every socket

A live event is only a hint (ids, never text): ``ChatConnection.sync`` reads the messages
after the last id the socket has sent, from the database, through the chat service (which
never returns internal notes). A hint that arrives twice, or for a message the socket has
sent already, finds nothing new; one lost by the bus is made good by ``live.resync``.

Memory per open chat: the connection object, its lock and a rate limiter; no task waits per
chat except the socket's own receive loop (bench/chat.py measures it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket

from klantenservice.domain.chat import RateLimiter
from klantenservice.services import chat as chat_service
from klantenservice.services.chat_ports import ChatSession
from klantenservice.services.chat_queue import QueueStatus, queue_statuses
from klantenservice.services.live import RESYNC, LiveSubscription
from klantenservice.web.deps import AppContext

log = logging.getLogger(__name__)

QUEUE_REFRESH_SECONDS = 1.0  # at most one queue refresh per second, however busy
TOPICS = frozenset({"message.*", "case.*", "chat.*"})


def line_json(line: chat_service.ChatLine) -> dict[str, Any]:
    return {
        "type": "message",
        "id": line.id,
        "author": line.author,
        "body": line.body,
        "at": line.at.isoformat(),
        "client_id": line.client_id,
    }


def queue_json(status: QueueStatus) -> dict[str, Any]:
    return {
        "type": "queue",
        "state": status.state.value,
        "position": status.position,
        "wait_minutes": status.wait_minutes,
    }


class ChatConnection:
    """One open chat socket: what it has sent, so that nothing is sent twice or skipped."""

    __slots__ = ("chat", "last_id", "last_queue", "lock", "websocket")

    def __init__(self, websocket: WebSocket, chat: ChatSession, after: int) -> None:
        self.websocket = websocket
        self.chat = chat
        self.last_id = after
        self.last_queue: dict[str, Any] | None = None
        self.lock = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        await self.websocket.send_text(orjson.dumps(payload).decode())

    async def sync(self, context: AppContext) -> None:
        """Send every customer-visible message after the last one sent, in id order."""
        async with self.lock:
            lines = await run_in_threadpool(
                chat_service.visible_messages,
                context.uow_factory(read_only=True),
                chat=self.chat,
                after=self.last_id,
            )
            for line in lines:
                await self.send(line_json(line))
                self.last_id = line.id

    async def send_queue(self, status: QueueStatus) -> None:
        payload = queue_json(status)
        if payload != self.last_queue:
            self.last_queue = payload
            await self.send(payload)


class ChatHub:
    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._by_case: dict[int, set[ChatConnection]] = {}
        self._limits: dict[int, tuple[int, RateLimiter]] = {}  # chat id -> (sockets, bucket)
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._queue_dirty: asyncio.Event | None = None

    @property
    def connections(self) -> list[ChatConnection]:
        return [conn for conns in self._by_case.values() for conn in conns]

    def register(self, conn: ChatConnection) -> None:
        self._ensure_listening()
        self._by_case.setdefault(conn.chat.case_id, set()).add(conn)
        count, bucket = self._limits.get(conn.chat.id, (0, RateLimiter()))
        self._limits[conn.chat.id] = (count + 1, bucket)

    def unregister(self, conn: ChatConnection) -> None:
        conns = self._by_case.get(conn.chat.case_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._by_case[conn.chat.case_id]
        count, bucket = self._limits.get(conn.chat.id, (1, RateLimiter()))
        if count <= 1:
            self._limits.pop(conn.chat.id, None)
        else:
            self._limits[conn.chat.id] = (count - 1, bucket)

    def move(self, conn: ChatConnection, chat: ChatSession) -> None:
        """The chat now writes to another case (see ``chat.follow_case``)."""
        self.unregister(conn)
        conn.chat = chat
        self.register(conn)

    def rate_limiter(self, chat_id: int) -> RateLimiter:
        """One bucket per chat, shared by all its sockets in this process."""
        return self._limits.setdefault(chat_id, (1, RateLimiter()))[1]

    def refresh_queue(self) -> None:
        self._ensure_listening()
        assert self._queue_dirty is not None
        self._queue_dirty.set()

    # -- live events ---------------------------------------------------------------------------
    def _ensure_listening(self) -> None:
        if self._listener is None or self._listener.done():
            self._queue_dirty = asyncio.Event()
            subscription = self._context.live.subscribe(topics=TOPICS)
            self._listener = asyncio.create_task(self._listen(subscription), name="chat-hub")
            self._spawn(self._refresh_queues())

    async def _listen(self, subscription: LiveSubscription) -> None:
        try:
            async for message in subscription:
                self._on_event(message.topic, message.event.get("case_id"))
        finally:
            subscription.close()
            for task in list(self._tasks):
                task.cancel()

    def _on_event(self, topic: str, case_id: object) -> None:
        if topic == RESYNC:
            for conn in self.connections:
                self._spawn(conn.sync(self._context))
        elif topic.startswith("message.") and isinstance(case_id, int):
            for conn in self._by_case.get(case_id, ()):
                self._spawn(conn.sync(self._context))
        if topic == RESYNC or topic.startswith(("case.", "chat.")):
            assert self._queue_dirty is not None
            self._queue_dirty.set()

    async def _refresh_queues(self) -> None:
        dirty = self._queue_dirty
        assert dirty is not None
        while True:
            await dirty.wait()
            dirty.clear()
            with contextlib.suppress(Exception):  # a closed socket, a busy database: next time
                await self.send_queue_statuses(self.connections)
            await asyncio.sleep(QUEUE_REFRESH_SECONDS)

    async def send_queue_statuses(self, conns: list[ChatConnection]) -> None:
        if not conns:
            return
        context = self._context
        chats = list({conn.chat.id: conn.chat for conn in conns}.values())
        per_place = timedelta(seconds=context.settings.chat_seconds_per_place)
        statuses = await run_in_threadpool(
            queue_statuses,
            context.uow_factory(read_only=True),
            chats,
            now=context.clock.now(),
            per_place=per_place,
        )
        for conn in conns:
            status = statuses.get(conn.chat.id)
            if status is not None:
                with contextlib.suppress(Exception):
                    await conn.send_queue(status)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._quietly(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _quietly(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception as error:  # a socket that closed meanwhile: its own loop ends it
            log.debug("chat hub: %s while pushing to a socket", type(error).__name__)
