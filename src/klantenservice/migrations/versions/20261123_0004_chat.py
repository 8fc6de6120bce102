"""Chat widget (issue 3): chat sessions and transcript requests.

- ``chat_sessions``: one customer chat (digest of its token, customer, case, language,
  expiry, place in the queue at the start, when a person was asked for);
- ``chat_transcripts``: a transcript asked for by e-mail, with the address given for it and
  when the worker sent it.

See docs/subsystems/chat.md.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, klantenservice.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "chat_sessions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        _instant("created_at"),
        _instant("expires_at"),
        sa.Column("start_position", sa.Integer(), nullable=False),
        _instant("human_requested_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_chat_sessions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_chat_sessions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_chat_sessions_token_digest")),
    )
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_sessions_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_chat_sessions_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "chat_transcripts",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("chat_id", Id, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        _instant("requested_at"),
        _instant("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chat_sessions.id"],
            name=op.f("fk_chat_transcripts_chat_id_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_transcripts")),
    )
    with op.batch_alter_table("chat_transcripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chat_transcripts_chat_id"), ["chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chat_transcripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_transcripts_chat_id"))
    op.drop_table("chat_transcripts")
    with op.batch_alter_table("chat_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_sessions_created_at"))
        batch_op.drop_index(batch_op.f("ix_chat_sessions_case_id"))
    op.drop_table("chat_sessions")
