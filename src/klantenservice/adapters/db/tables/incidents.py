"""Incident mode's table (migration 0013): one row per declared incident (domain/incidents.py).

``ended_at`` is NULL while the incident lasts: the intake reads the active ones once per batch
(``ix_incidents_ended_at``; a handful of rows at most). ``queue`` is the dedicated queue's name.
Messages are plain text, at most 500 characters each, in Dutch and English.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, String, Table

from klantenservice.adapters.db.tables.core import Id, metadata
from klantenservice.adapters.db.types import UTCDateTime

__all__ = ["incidents"]

incidents = Table(
    "incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("message_nl", String(500), nullable=False),
    Column("message_en", String(500), nullable=False),
    Column("channels", JSON, nullable=False),
    Column("products", JSON, nullable=False),
    Column("offer_callbacks", Boolean, nullable=False),
    Column("queue", String(100), nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("declared_by", String(200), nullable=False),
    Column("ended_at", UTCDateTime),
    Column("ended_by", String(200)),
    Index("ix_incidents_ended_at", "ended_at"),
)
