"""Baseline for bench/chat.py: a bare Starlette WebSocket that echoes every text frame.

Same server settings as the product (uvicorn, uvloop, httptools, one worker). It stores
nothing and routes nothing: the floor under the chat's round trip and memory per socket.
Run by bench/chat.py as ``uvicorn bench.chat_baseline:app``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        return


app = Starlette(routes=[WebSocketRoute("/echo", echo)])
