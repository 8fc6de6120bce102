"""E-mail channel (issue 4).

- ``email_raw``: every mail received, raw bytes in a file, this row committed before the
  mail is acknowledged (SMTP 250, IMAP UID recorded); imported or quarantined with a reason;
- ``email_attachments``: attachment metadata (bytes in files), refused ones with the reason;
- ``email_outbound``: the Message-ID of each reply we sent, for threading the answer to it;
- ``email_imap_state``: UIDVALIDITY and last imported UID per IMAP mailbox.

See docs/subsystems/email.md.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, klantenservice.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "email_raw",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("mailbox", sa.String(length=1000), nullable=False),
        _instant("received_at"),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("message_id", Id, nullable=True),
        _instant("imported_at", nullable=True),
        sa.Column("imap_uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("imap_uid", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_email_raw_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_raw")),
    )
    with op.batch_alter_table("email_raw", schema=None) as batch_op:
        batch_op.create_index(
            "ix_email_raw_imap", ["mailbox", "imap_uidvalidity", "imap_uid"], unique=True
        )
        batch_op.create_index("ix_email_raw_state_id", ["state", "id"], unique=False)

    op.create_table(
        "email_attachments",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("raw_id", Id, nullable=False),
        sa.Column("message_id", Id, nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("refused", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_email_attachments_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["raw_id"],
            ["email_raw.id"],
            name=op.f("fk_email_attachments_raw_id_email_raw"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_attachments")),
    )
    with op.batch_alter_table("email_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_email_attachments_message_id"), ["message_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_email_attachments_raw_id"), ["raw_id"], unique=False)

    op.create_table(
        "email_outbound",
        sa.Column("message_id", Id, nullable=False),
        sa.Column("rfc_message_id", sa.String(length=255), nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("outbox_event_id", sa.BigInteger(), nullable=False),
        _instant("sent_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_email_outbound_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_email_outbound_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_email_outbound")),
        sa.UniqueConstraint("rfc_message_id", name=op.f("uq_email_outbound_rfc_message_id")),
    )

    op.create_table(
        "email_imap_state",
        sa.Column("mailbox", sa.String(length=320), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        _instant("polled_at"),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_email_imap_state")),
    )


def downgrade() -> None:
    op.drop_table("email_imap_state")
    op.drop_table("email_outbound")
    with op.batch_alter_table("email_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_attachments_raw_id"))
        batch_op.drop_index(batch_op.f("ix_email_attachments_message_id"))
    op.drop_table("email_attachments")
    with op.batch_alter_table("email_raw", schema=None) as batch_op:
        batch_op.drop_index("ix_email_raw_state_id")
        batch_op.drop_index("ix_email_raw_imap")
    op.drop_table("email_raw")
