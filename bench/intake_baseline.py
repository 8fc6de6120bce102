"""Baseline for bench/intake.py: a bare Starlette endpoint inserting the same message row.

Same server settings as the product (uvicorn, uvloop, httptools, one worker), SQLite in WAL
mode with the same ``synchronous`` setting, one insert per request with the stdlib ``sqlite3``.
Run by bench/intake.py as ``uvicorn bench.intake_baseline:app``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DB_PATH = os.environ["KS_BASELINE_DB"]  # set by bench/intake.py
SYNCHRONOUS = os.environ.get("KS_SQLITE_SYNCHRONOUS", "NORMAL")

_db = sqlite3.connect(DB_PATH, isolation_level=None, check_same_thread=False)
_db.execute("PRAGMA journal_mode=WAL")
_db.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
_db.execute(
    "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL,"
    " channel TEXT NOT NULL, direction TEXT NOT NULL, author_kind TEXT NOT NULL,"
    " author_agent_id INTEGER, subject TEXT, body TEXT NOT NULL, external_id TEXT,"
    " created_at TEXT NOT NULL, sent_at TEXT, UNIQUE(channel, external_id))"
)


async def inbound(request: Request) -> JSONResponse:
    data = json.loads(await request.body())
    cursor = _db.execute(
        "INSERT INTO messages (case_id, channel, direction, author_kind, body, external_id,"
        " created_at) VALUES (1, ?, 'inbound', 'customer', ?, ?, ?)",
        (data["channel"], data["body"], data.get("external_id"), datetime.now(UTC).isoformat()),
    )
    return JSONResponse({"message_id": cursor.lastrowid}, status_code=201)


app = Starlette(routes=[Route("/api/v1/messages/inbound", inbound, methods=["POST"])])
