"""Phone and IVR (issue 4): the ``calls`` table.

One row per Twilio call (unique CallSid): its IVR path, the queue it joined, and when it was
queued, answered, asked for a call-back and ended; the case and message the intake stored for
it. Wait, handle time and abandonment are computed from these rows. See
docs/subsystems/phone-ivr.md.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(
        name, klantenservice.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=False),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ivr_path", sa.JSON(), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("case_id", Id, nullable=True),
        sa.Column("message_id", Id, nullable=True),
        _instant("started_at", nullable=False),
        _instant("queued_at"),
        _instant("answered_at"),
        _instant("callback_at"),
        _instant("ended_at"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_calls_case_id_cases"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_calls_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_calls_call_sid")),
    )
    op.create_index("ix_calls_started_at", "calls", ["started_at"], unique=False)
    op.create_index(
        "ix_calls_status_priority", "calls", ["status", "priority", "queued_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_calls_status_priority", table_name="calls")
    op.drop_index("ix_calls_started_at", table_name="calls")
    op.drop_table("calls")
