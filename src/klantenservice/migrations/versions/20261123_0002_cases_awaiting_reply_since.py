"""cases.awaiting_reply_since: when the oldest unanswered customer message arrived.

NULL means "not known to be waiting" and makes the next inbound message recompute the
promise clocks, so existing rows need no backfill.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "awaiting_reply_since",
                klantenservice.adapters.db.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("awaiting_reply_since")
