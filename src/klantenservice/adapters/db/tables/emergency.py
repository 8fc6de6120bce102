"""The emergency lane's tables (migration 0012; docs/subsystems/emergency.md).

- ``emergency_reports``: one row per report, written in the transaction that stores the
  report's message; never updated (PSD2 art. 70(1)(c): the proof of the notification).
  ``retain_until`` is at least 18 months after ``reported_at``.
- ``card_blocks``: the customer's card-block request beside its report, and what the
  core-banking system answered.
- ``emergency_escalations``: each rung of the ladder fired for a case (unique per level, so two
  sweepers never alert twice).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint, text

from klantenservice.adapters.db.tables.core import Id, cases, metadata
from klantenservice.adapters.db.types import UTCDateTime

emergency_reports = Table(
    "emergency_reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("reported_at", UTCDateTime, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("via", String(20), nullable=False),
    Column("kind", String(24), nullable=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("language", String(2), nullable=False),
    Column("card_last_four", String(4), nullable=True),
    Column("retain_until", UTCDateTime, nullable=False),
    Index("ix_emergency_reports_case_id", "case_id"),
    Index("ix_emergency_reports_customer_id", "customer_id"),
    Index("ix_emergency_reports_reported_at", "reported_at"),
)

card_blocks = Table(
    "card_blocks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", ForeignKey("emergency_reports.id"), nullable=False, unique=True),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("card_last_four", String(4), nullable=True),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", String(200), nullable=True),
    Column("core_reference", String(64), nullable=True),
    Column("settled_at", UTCDateTime, nullable=True),
)

emergency_escalations = Table(
    "emergency_escalations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("cases.id"), nullable=False),
    Column("level", Integer, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("fired_at", UTCDateTime, nullable=False),
    UniqueConstraint("case_id", "level"),
)

# The emergencies waiting for an agent, read once per intake batch (they hold the fraud agents
# who could take them, services/intake_routing.py): partial, so the read costs the number of
# waiting emergencies (usually none), not the number of open cases. Queries must repeat the
# predicate literally for SQLite to use it (repositories/cases.py).
WAITING_EMERGENCY = text("priority = 5 AND assignee_id IS NULL")
Index(
    "ix_cases_waiting_emergencies",
    cases.c.waiting_since,
    cases.c.id,
    sqlite_where=WAITING_EMERGENCY,
    postgresql_where=WAITING_EMERGENCY,
)

__all__ = ["WAITING_EMERGENCY", "card_blocks", "emergency_escalations", "emergency_reports"]
