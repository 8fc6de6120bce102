"""The emergency lane (issue 5): reports, card blocks, escalation steps.

- ``emergency_reports``: the immutable proof of each report (PSD2 art. 70(1)(c)), with its
  reference, its receipt time to the second and ``retain_until`` (>= 18 months later).
- ``card_blocks``: a customer's card-block request beside its report, and the core-banking
  system's answer.
- ``emergency_escalations``: the rungs of the escalation ladder fired per case, unique per level.
- ``ix_cases_waiting_emergencies``: partial over unassigned emergency cases, read once per
  intake batch (they hold fraud agents), so that read does not scan the open cases.

See docs/subsystems/emergency.md.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 21:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from klantenservice.adapters.db.types import UTCDateTime

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WAITING_EMERGENCY = sa.text("priority = 5 AND assignee_id IS NULL")


def upgrade() -> None:
    op.create_table(
        "emergency_reports",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("reported_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=True),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("card_last_four", sa.String(length=4), nullable=True),
        sa.Column("retain_until", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_emergency_reports_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_emergency_reports_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_reports")),
        sa.UniqueConstraint("reference", name=op.f("uq_emergency_reports_reference")),
    )
    op.create_index("ix_emergency_reports_case_id", "emergency_reports", ["case_id"])
    op.create_index("ix_emergency_reports_customer_id", "emergency_reports", ["customer_id"])
    op.create_index("ix_emergency_reports_reported_at", "emergency_reports", ["reported_at"])
    op.create_table(
        "card_blocks",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("report_id", Id, nullable=False),
        sa.Column("requested_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("card_last_four", sa.String(length=4), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("core_reference", sa.String(length=64), nullable=True),
        sa.Column("settled_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["emergency_reports.id"],
            name=op.f("fk_card_blocks_report_id_emergency_reports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_blocks")),
        sa.UniqueConstraint("report_id", name=op.f("uq_card_blocks_report_id")),
    )
    op.create_table(
        "emergency_escalations",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("fired_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_emergency_escalations_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_escalations")),
        sa.UniqueConstraint(
            "case_id", "level", name=op.f("uq_emergency_escalations_case_id_level")
        ),
    )

    op.create_index(
        "ix_cases_waiting_emergencies",
        "cases",
        ["waiting_since", "id"],
        sqlite_where=WAITING_EMERGENCY,
        postgresql_where=WAITING_EMERGENCY,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_waiting_emergencies", table_name="cases")
    op.drop_table("emergency_escalations")
    op.drop_table("card_blocks")
    op.drop_index("ix_emergency_reports_reported_at", table_name="emergency_reports")
    op.drop_index("ix_emergency_reports_customer_id", table_name="emergency_reports")
    op.drop_index("ix_emergency_reports_case_id", table_name="emergency_reports")
    op.drop_table("emergency_reports")
