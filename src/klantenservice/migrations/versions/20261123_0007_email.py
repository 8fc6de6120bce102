"""E-mail channel (issue 4).

Reserved slot in the migration chain so the parts of issue 4 can be built side by side;
its owner replaces this docstring and fills in upgrade/downgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 14:00:00

"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
