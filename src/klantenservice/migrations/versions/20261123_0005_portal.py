"""Customer portal (issue 3): portal sign-in and what the portal needs.

Reserved slot in the migration chain so the three parts of issue 3 can be built side by side;
its owner replaces this docstring and fills in upgrade/downgrade.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
