"""Agent desk (issue 3): reply templates and whatever the case view needs.

Reserved slot in the migration chain so the three parts of issue 3 can be built side by side;
its owner replaces this docstring and fills in upgrade/downgrade.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:00:00

"""

from collections.abc import Sequence

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
