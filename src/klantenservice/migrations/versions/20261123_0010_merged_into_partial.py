"""``ix_cases_merged_into`` only over merged cases, so the intake's case lookup uses its own.

Migration 0006 indexed ``cases.merged_into`` for every case. The intake's "latest case of this
customer" (``customer_id = ? AND merged_into IS NULL ORDER BY id DESC LIMIT 1``, once per
message) then let SQLite's planner pick that index for ``merged_into IS NULL``, which holds
for nearly every case: each message scanned all cases (45% of the intake's writer time at
2,000 cases, and growing with the store). Indexing only the merged cases keeps the merge
lookups (``merged_into = ?`` and ``IN (...)`` imply ``IS NOT NULL``) on the index and leaves
the intake on ``ix_cases_customer_status``. A test holds the plan (tests/adapters/test_plans.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 18:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MERGED = sa.text("merged_into IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_cases_merged_into", table_name="cases")
    op.create_index(
        "ix_cases_merged_into",
        "cases",
        ["merged_into"],
        unique=False,
        sqlite_where=MERGED,
        postgresql_where=MERGED,
    )


def downgrade() -> None:
    op.drop_index("ix_cases_merged_into", table_name="cases")
    op.create_index("ix_cases_merged_into", "cases", ["merged_into"], unique=False)
