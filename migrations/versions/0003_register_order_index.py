"""index each child's latest judgement in register order

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    condition = sa.text("next_week IS NULL")
    op.create_index(
        "ix_pupil_weeks_latest",
        "pupil_weeks",
        ["below_since", "pupil_id"],
        postgresql_where=condition,
        sqlite_where=condition,
    )


def downgrade() -> None:
    op.drop_index("ix_pupil_weeks_latest", table_name="pupil_weeks")
