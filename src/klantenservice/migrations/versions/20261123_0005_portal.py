"""Customer portal (issue 3): portal sessions and the ids of used sign-in assertions.

- ``portal_sessions``: a signed-in customer (digest of the cookie's token, the verification
  level the bank asserted, expiry, sign-out);
- ``portal_assertions``: the ``jti`` of every sign-in assertion the bank sent, until it
  expires, so a second use (a replay) is refused.

See docs/subsystems/portal.md.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _instant(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(
        name, klantenservice.adapters.db.types.UTCDateTime(timezone=True), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "portal_sessions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("verification", sa.Integer(), nullable=False),
        _instant("created_at"),
        _instant("expires_at"),
        _instant("ended_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_portal_sessions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_sessions")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_portal_sessions_token_digest")),
    )
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_portal_sessions_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "portal_assertions",
        sa.Column("assertion_id", sa.String(length=128), nullable=False),
        _instant("used_at"),
        _instant("expires_at"),
        sa.PrimaryKeyConstraint("assertion_id", name=op.f("pk_portal_assertions")),
    )
    with op.batch_alter_table("portal_assertions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_assertions_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_assertions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_assertions_expires_at"))
    op.drop_table("portal_assertions")
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_portal_sessions_customer_id"))
    op.drop_table("portal_sessions")
