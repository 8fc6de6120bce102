"""Agent desk (issue 3): reply templates.

``reply_templates`` holds the canned answers agents insert on the case page
(``domain/reply_templates.py``): one row per template and language, the name unique within
its language. The rest of the case view reads existing tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reply_templates",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            klantenservice.adapters.db.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            klantenservice.adapters.db.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_templates")),
        sa.UniqueConstraint("name", "language", name=op.f("uq_reply_templates_name_language")),
    )


def downgrade() -> None:
    op.drop_table("reply_templates")
