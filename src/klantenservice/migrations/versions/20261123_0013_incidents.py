"""Incident mode (issue 5): the ``incidents`` table.

One row per incident a supervisor declared: kind, affected channels and products, the message
in Dutch and English, whether call-backs are offered, the dedicated queue, and who declared and
ended it when. ``ended_at`` is NULL while it lasts (indexed: the intake reads the active ones
once per batch). See docs/subsystems/incidents.md.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from klantenservice.adapters.db.types import UTCDateTime

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message_nl", sa.String(length=500), nullable=False),
        sa.Column("message_en", sa.String(length=500), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("products", sa.JSON(), nullable=False),
        sa.Column("offer_callbacks", sa.Boolean(), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("declared_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_ended_at", "incidents", ["ended_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_incidents_ended_at", table_name="incidents")
    op.drop_table("incidents")
