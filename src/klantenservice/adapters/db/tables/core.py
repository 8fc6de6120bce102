"""The relational schema (SQLAlchemy Core). Alembic migrations are generated from this.

Design notes:
- Core tables, not ORM classes: repositories map rows to the pure domain dataclasses, and the
  hot intake path runs plain Core statements (DESIGN.md performance facts).
- ``messages`` has ``UNIQUE(channel, external_id)``: intake is idempotent by construction.
- ``audit_log.seq`` is the gapless chain position; ``audit_head`` is a one-row table locked
  while appending so concurrent writers on PostgreSQL extend the chain one at a time.
- ``cases.promise_due_at`` / ``promise_state`` are a projection of the clocks that
  ``domain/promises.py`` computes from ``case_events``: recomputed on every change, kept only so
  "promises at risk" is an indexed query.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from klantenservice.adapters.db.types import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Id = BigInteger().with_variant(Integer(), "sqlite")  # SQLite needs INTEGER for rowid aliasing

users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("totp_secret", String(64)),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("roles", JSON, nullable=False),
    Column("created_by", ForeignKey("users.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
)

teams = Table(
    "teams",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
)

calendars = Table(
    "calendars",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("weekly_hours", JSON, nullable=False),  # {"0": [["08:00","20:00"]], ...}; {} = 24/7
    Column("holiday_country", String(8)),
    Column("holiday_subdivision", String(16)),
)

queues = Table(
    "queues",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("team_id", ForeignKey("teams.id"), nullable=True),
    Column("calendar", ForeignKey("calendars.name"), nullable=False),
    Column("required_skills", JSON, nullable=False),
)

skills = Table(
    "skills",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", ForeignKey("users.id"), nullable=True, unique=True),
    Column("name", String(200), nullable=False),
    Column("team_id", ForeignKey("teams.id"), nullable=True),
    Column("languages", JSON, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("queue_ids", JSON, nullable=False),
    Column("capacity", JSON, nullable=False),
    Column("presence", String(20), nullable=False),
    Column("last_assigned_at", UTCDateTime),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("language", String(5), nullable=False),
    Column("segment", String(40), nullable=False),
    Column("vulnerable", Boolean, nullable=False, default=False),
    Column("verification", Integer, nullable=False, default=0),
    Column("external_ref", String(64), unique=True),
    Column("tags", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

contact_points = Table(
    "contact_points",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "customer_id", ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("kind", String(16), nullable=False),
    Column("value", String(320), nullable=False),
    UniqueConstraint("kind", "value"),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("language", String(5), nullable=False),
    Column("segment", String(40), nullable=False),
    Column("category", String(80)),
    Column("queue_id", ForeignKey("queues.id"), nullable=True),
    Column("assignee_id", ForeignKey("agents.id"), nullable=True),
    Column("tags", JSON, nullable=False),
    Column("required_skills", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("merged_into", ForeignKey("cases.id"), nullable=True),
    Column("linked_to", ForeignKey("cases.id"), nullable=True),
    Column("waiting_since", UTCDateTime),
    Column("awaiting_reply_since", UTCDateTime),
    Column("promise_due_at", UTCDateTime),
    Column("promise_state", String(20)),
    Index("ix_cases_status_queue", "status", "queue_id", "priority"),
    Index("ix_cases_assignee_status", "assignee_id", "status", "channel"),
    Index("ix_cases_customer_status", "customer_id", "status"),
    Index("ix_cases_promise_due_at", "promise_due_at"),
    Index("ix_cases_updated_at", "updated_at"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_case_events_case_id_id", "case_id", "id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("author_kind", String(10), nullable=False),
    Column("author_agent_id", ForeignKey("agents.id"), nullable=True),
    Column("subject", String(300)),
    Column("body", Text, nullable=False),
    Column("external_id", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    UniqueConstraint("channel", "external_id"),
    Index("ix_messages_case_id_id", "case_id", "id"),
)

promise_policies = Table(
    "promise_policies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("channel", String(20)),
    Column("priority", Integer),
    Column("segment", String(40)),
    Column("first_response_seconds", Integer),
    Column("next_response_seconds", Integer),
    Column("resolution_seconds", Integer),
    Column("calendar", ForeignKey("calendars.name"), nullable=False),
    Column("warn_at", Float, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("details", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_subject", "subject_type", "subject_id", "seq"),
    Index("ix_audit_log_actor", "actor", "seq"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("delivered_at", UTCDateTime),
    Column("last_error", String(500)),
    Index("ix_outbox_pending", "delivered_at", "available_at"),
)

# --- desk (migration 0003) ---------------------------------------------------------------------

# Reply templates (domain/reply_templates.py): one row per template and language; a name is
# unique within its language, so "Pas geblokkeerd" can exist in nl and in en.
reply_templates = Table(
    "reply_templates",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("language", String(5), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", "language"),
)

# --- chat widget (migration 0004) --------------------------------------------------------------

# Chats of the customer widget (services/chat.py). Only the SHA-256 digest of the chat's token
# is stored; the token lives in the customer's browser tab. ``start_position`` (place in the
# queue when the chat started) feeds the expected-wait estimate of later chats.
chat_sessions = Table(
    "chat_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("language", String(5), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("start_position", Integer, nullable=False),
    Column("human_requested_at", UTCDateTime),
)

# Transcripts asked for by e-mail: the address given for this one request, sent by the worker
# (workers/chat_transcript.py), which records ``sent_at`` so a retried event sends once.
chat_transcripts = Table(
    "chat_transcripts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "chat_id", ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("email", String(320), nullable=False),
    Column("language", String(5), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
)

# --- customer portal (migration 0005) ----------------------------------------------------------

# Signed-in portal customers (services/portal_auth.py). Only the SHA-256 digest of the cookie's
# token is stored, as for staff sessions: a copy of this table signs nobody in.
portal_sessions = Table(
    "portal_sessions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column(
        "customer_id", ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("verification", Integer, nullable=False),  # the level the bank asserted at sign-in
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    Column("ended_at", UTCDateTime),
)

# Ids (jti) of the bank's sign-in assertions already used: a second use is a replay. Kept until
# the assertion would be refused as expired anyway (``expires_at``), then pruned.
portal_assertions = Table(
    "portal_assertions",
    metadata,
    Column("assertion_id", String(128), primary_key=True),
    Column("used_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# --- supervisor view and desk benchmark (migration 0006) ---------------------------------------

# The inbox reads a queue's cases in id order from a keyset position (repositories/inbox.py):
# these let it seek there and stop after a page, with or without a status, however many
# cases the store holds. ``merged_into`` is looked up for every case shown (promise clocks
# count the histories of merged cases), which without an index scans all cases.
Index("ix_cases_queue_id_id", cases.c.queue_id, cases.c.id)
Index("ix_cases_queue_status_id", cases.c.queue_id, cases.c.status, cases.c.id)
# Partial (migration 0010): over every case, SQLite's planner took it for the intake's
# "merged_into IS NULL" and scanned all cases per message.
Index(
    "ix_cases_merged_into",
    cases.c.merged_into,
    sqlite_where=cases.c.merged_into.is_not(None),
    postgresql_where=cases.c.merged_into.is_not(None),
)
