"""Indexes for the desk's inbox and case pages at 100,000+ cases (issue 3, bench/desk.py).

- ``ix_cases_queue_id_id`` (queue_id, id): a queue's inbox page, first or deep, is a seek to
  the keyset position and a short range read in id order, not a scan of the queue.
- ``ix_cases_queue_status_id`` (queue_id, status, id): the same with a status filter.
- ``ix_cases_merged_into``: the cases merged into a case, read for every case shown (its
  promise clocks count their histories); without it each lookup scanned all cases.

Measured in docs/subsystems/desk.md ("Benchmark").

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_queue_id_id", "cases", ["queue_id", "id"], unique=False)
    op.create_index("ix_cases_queue_status_id", "cases", ["queue_id", "status", "id"], unique=False)
    op.create_index("ix_cases_merged_into", "cases", ["merged_into"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_merged_into", table_name="cases")
    op.drop_index("ix_cases_queue_status_id", table_name="cases")
    op.drop_index("ix_cases_queue_id_id", table_name="cases")
