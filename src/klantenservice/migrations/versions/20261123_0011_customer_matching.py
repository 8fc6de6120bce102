"""One customer across channels (issue 4): match keys, merged customers, agents' decisions.

- ``contact_points.match_key`` (indexed): where a contact point meets the ones that reach the
  same person (``domain/customer_matching.match_key``), so proposals are found by an indexed
  lookup. Existing contact points get theirs here, in batches.
- ``customers.merged_into``: the customer an agent confirmed this one to be (the row stays;
  contact points and cases moved). Added with a plain ``ALTER TABLE ... ADD COLUMN`` and an
  inline reference on SQLite: a batch copy of ``customers`` would drop the table every other
  table references.
- ``customer_match_decisions``: confirmed and rejected pairs, lower id first.

See docs/subsystems/customers.md.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 20:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import klantenservice.adapters.db.types
from klantenservice.domain.customer_matching import match_key
from klantenservice.domain.customers import ContactKind, ContactPoint

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MERGED = sa.text("merged_into IS NOT NULL")
BATCH = 5_000


def upgrade() -> None:
    op.add_column("contact_points", sa.Column("match_key", sa.String(length=330), nullable=True))
    op.create_index("ix_contact_points_match_key", "contact_points", ["match_key"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE customers ADD COLUMN merged_into INTEGER REFERENCES customers (id)")
    else:
        op.add_column("customers", sa.Column("merged_into", Id, nullable=True))
        op.create_foreign_key(
            op.f("fk_customers_merged_into_customers"),
            "customers",
            "customers",
            ["merged_into"],
            ["id"],
        )
    op.create_index(
        "ix_customers_merged_into",
        "customers",
        ["merged_into"],
        unique=False,
        sqlite_where=MERGED,
        postgresql_where=MERGED,
    )
    op.create_table(
        "customer_match_decisions",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("customer_id", Id, nullable=False),
        sa.Column("other_id", Id, nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column(
            "decided_at",
            klantenservice.adapters.db.types.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_match_decisions_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["customers.id"],
            name=op.f("fk_customer_match_decisions_other_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_match_decisions")),
        sa.UniqueConstraint(
            "customer_id", "other_id", name=op.f("uq_customer_match_decisions_customer_id_other_id")
        ),
    )
    op.create_index(
        "ix_customer_match_decisions_other_id",
        "customer_match_decisions",
        ["other_id"],
        unique=False,
    )
    _backfill_match_keys()


def _backfill_match_keys() -> None:
    """Keys of the contact points stored before this migration, in id order, batch by batch."""
    points = sa.table(
        "contact_points",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("value", sa.String),
        sa.column("match_key", sa.String),
    )
    bind = op.get_bind()
    update = (
        sa.update(points)
        .where(points.c.id == sa.bindparam("point_id"))
        .values(match_key=sa.bindparam("key"))
    )
    after = 0
    while True:
        rows = bind.execute(
            sa.select(points.c.id, points.c.kind, points.c.value)
            .where(points.c.id > after)
            .order_by(points.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        keys = [
            {"point_id": r.id, "key": match_key(ContactPoint(ContactKind(r.kind), r.value))}
            for r in rows
        ]
        bind.execute(update, keys)
        after = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_customer_match_decisions_other_id", table_name="customer_match_decisions")
    op.drop_table("customer_match_decisions")
    op.drop_index("ix_customers_merged_into", table_name="customers")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("merged_into")
    op.drop_index("ix_contact_points_match_key", table_name="contact_points")
    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_column("match_key")
