"""Children merged into another found by an index: what a provider sent is listed in one probe
per record, not a scan of every child

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MERGED = sa.text("merged_into IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_pupils_merged_into",
        "pupils",
        ["merged_into"],
        postgresql_where=MERGED,
        sqlite_where=MERGED,
    )


def downgrade() -> None:
    op.drop_index("ix_pupils_merged_into", table_name="pupils")
