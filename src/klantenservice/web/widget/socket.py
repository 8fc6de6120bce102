"""``/chat/socket``: the widget's WebSocket. JSON text frames, both ways.

    client                                         server
    {"type":"hello","token":T,"after":N}    ──►    refused: close 4401 (unknown, forged, expired)
                                            ◄──    {"type":"ready","reference":"KS-000042"}
                                            ◄──    every visible message with id > N, in order
                                            ◄──    {"type":"queue","state":..,"position":..}
    {"type":"message","client_id":C,"body":B} ──►  stored once per C (intake, idempotent)
                                            ◄──    {"type":"message","id":..,"client_id":C,..}
    {"type":"human"}                        ──►    {"type":"human_requested"}
    {"type":"transcript","email":E,"lang":L} ──►   {"type":"transcript_requested"}
                                            ◄──    {"type":"error","code":..,"client_id":..}

The token travels in the first frame, not in the URL (URLs end up in logs). The ``Origin``
must be this server: the socket is opened by our own chat page inside the iframe, so a page
of another site cannot open it on a visitor's behalf. Refusals of one frame (too long, too
fast, bad address) are ``error`` frames; the socket stays open. See docs/subsystems/chat.md.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocketDisconnected

from klantenservice.domain.cases import format_reference
from klantenservice.domain.chat import MAX_CHAT_MESSAGE_CHARS
from klantenservice.domain.errors import AuthenticationFailed, DomainError, ValidationError
from klantenservice.domain.vocabulary import Language
from klantenservice.services import chat as chat_service
from klantenservice.services import chat_transcript
from klantenservice.services.chat_ports import ChatSession
from klantenservice.web.deps import AppContext
from klantenservice.web.errors import log_unexpected
from klantenservice.web.widget.hub import ChatConnection, ChatHub

router = APIRouter()

HELLO_SECONDS = 10.0
MAX_FRAME_CHARS = 64_000  # far above a chat message (2,000): a bigger frame is not a chat
CLOSE_UNAUTHORISED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009


def same_origin(connection: HTTPConnection) -> bool:
    """The request's ``Origin`` names this server (the host the browser connected to)."""
    origin = connection.headers.get("origin")
    host = connection.headers.get("host")
    if not origin or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


class BadFrame(Exception):
    """A frame the protocol does not know; answered with an ``error`` frame."""


def _frame(text: str) -> dict[str, Any]:
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadFrame("not JSON") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadFrame("not a frame")
    return frame


def _text(frame: dict[str, Any], key: str) -> str:
    value = frame.get(key)
    if not isinstance(value, str):
        raise BadFrame(f"{key} missing")
    return value


@router.websocket("/socket")
async def chat_socket(websocket: WebSocket) -> None:
    if not same_origin(websocket):
        await websocket.close(code=CLOSE_POLICY)  # before accept: the handshake gets a 403
        return
    context: AppContext = websocket.app.state.context
    hub: ChatHub = websocket.app.state.hub
    await websocket.accept()
    opened = await _hello(websocket, context)
    if opened is None:
        return
    chat, after = opened
    conn = ChatConnection(websocket, chat, after)
    hub.register(conn)
    try:
        await conn.send({"type": "ready", "reference": format_reference(chat.case_id)})
        await conn.sync(context)
        await hub.send_queue_statuses([conn])
        while True:
            text = await websocket.receive_text()
            if len(text) > MAX_FRAME_CHARS:
                await websocket.close(code=CLOSE_TOO_BIG)
                return
            await _handle(conn, hub, context, text)
    except (WebSocketDisconnect, WebSocketDisconnected):  # closed, or a push found it closed
        pass
    finally:
        hub.unregister(conn)


async def _hello(websocket: WebSocket, context: AppContext) -> tuple[ChatSession, int] | None:
    """The first frame names the chat; anything else closes the socket."""
    try:
        frame = _frame(await asyncio.wait_for(websocket.receive_text(), HELLO_SECONDS))
        after = frame.get("after", 0)
        if frame["type"] != "hello" or not isinstance(after, int) or after < 0:
            raise BadFrame("hello expected")
        chat = await run_in_threadpool(
            chat_service.authenticate_chat,
            context.uow_factory(read_only=True),
            token=_text(frame, "token"),
            now=context.clock.now(),
            credentials=context.credentials,
        )
    except (TimeoutError, BadFrame):
        await websocket.close(code=CLOSE_BAD_REQUEST)
        return None
    except (WebSocketDisconnect, WebSocketDisconnected):
        return None
    except AuthenticationFailed as refused:
        await _refuse(websocket, refused.message)
        return None
    return chat, after


async def _refuse(websocket: WebSocket, message: str) -> None:
    await websocket.send_text(
        orjson.dumps({"type": "error", "code": "chat_ended", "message": message}).decode()
    )
    await websocket.close(code=CLOSE_UNAUTHORISED)


class Refusal(Exception):
    """A frame refused: ``code`` for the widget (it has its own text), ``message`` in English."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


async def _handle(conn: ChatConnection, hub: ChatHub, context: AppContext, text: str) -> None:
    client_id = None
    try:
        frame = _frame(text)
        client_id = frame.get("client_id") if isinstance(frame.get("client_id"), str) else None
        if conn.chat.expires_at <= context.clock.now():
            await _refuse(conn.websocket, chat_service.EXPIRED_CHAT)
            return
        kind = frame["type"]
        if kind == "message":
            await _message(conn, hub, context, _text(frame, "client_id"), _text(frame, "body"))
        elif kind == "human":
            await _human(conn, hub, context)
        elif kind == "transcript":
            await _transcript(conn, context, _text(frame, "email"), frame.get("lang"))
        else:
            raise BadFrame("unknown type")
    except BadFrame as bad:
        await _error(conn, "invalid", str(bad), client_id)
    except Refusal as refused:
        await _error(conn, refused.code, refused.message, client_id)
    except DomainError as refused:
        await _error(conn, "refused", refused.message, client_id)
    except Exception as error:  # a bug or an outage: logged without contents, socket stays
        log_unexpected(conn.websocket.scope, error)
        await _error(conn, "failed", "the message could not be handled; try again", client_id)


async def _error(
    conn: ChatConnection, code: str, message: str, client_id: str | None = None
) -> None:
    await conn.send({"type": "error", "code": code, "message": message, "client_id": client_id})


async def _message(
    conn: ChatConnection, hub: ChatHub, context: AppContext, client_id: str, body: str
) -> None:
    try:
        request = chat_service.chat_inbound(conn.chat, client_id=client_id, body=body)
    except ValidationError as refused:
        too_long = len(body) > MAX_CHAT_MESSAGE_CHARS
        code = "empty" if not body.strip() else "too_long" if too_long else "invalid"
        raise Refusal(code, refused.message) from None
    if not hub.rate_limiter(conn.chat.id).allow(context.clock.now()):
        raise Refusal("rate_limited", "too many messages at once; wait a moment")
    result = await context.intake_writer.submit(request)
    if result.case_id != conn.chat.case_id:
        await run_in_threadpool(
            chat_service.follow_case,
            context.uow_factory(),
            chat=conn.chat,
            case_id=result.case_id,
            now=context.clock.now(),
        )
        moved = await run_in_threadpool(
            chat_service.current_chat, context.uow_factory(read_only=True), conn.chat.id
        )
        hub.move(conn, moved)
    await conn.sync(context)


async def _human(conn: ChatConnection, hub: ChatHub, context: AppContext) -> None:
    await run_in_threadpool(
        chat_service.request_human,
        context.uow_factory(),
        chat=conn.chat,
        now=context.clock.now(),
        policy=context.intake.routing,
        auto_assign=context.intake.auto_assign,
    )
    await conn.send({"type": "human_requested"})
    hub.refresh_queue()


async def _transcript(conn: ChatConnection, context: AppContext, email: str, lang: object) -> None:
    language = Language(lang) if lang in ("nl", "en") else conn.chat.language
    try:
        await run_in_threadpool(
            chat_transcript.request_transcript,
            context.uow_factory(),
            chat=conn.chat,
            email=email,
            language=language,
            now=context.clock.now(),
        )
    except ValidationError as refused:
        raise Refusal("bad_email", refused.message) from None
    await conn.send({"type": "transcript_requested"})
