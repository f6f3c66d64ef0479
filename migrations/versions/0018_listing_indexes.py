"""What a provider sent is read revision by revision from an index of its own versions, and the
children who left with their whereabouts unknown from a partial index of the current states

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

Before, listing a provider's latest versions newest first intersected, for every revision, a
bitmap of all that provider's versions (70 s at 100,000 children), and the whereabouts alert
read every child who had left.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNKNOWN = sa.text("exit_reason IN ('whereabouts_unknown', 'removed_from_roll')")


def upgrade() -> None:
    op.create_index(
        "ix_provision_history_provider_revision",
        "provision_history",
        ["provider_id", "revision_id", "id"],
    )
    op.create_index(
        "ix_current_states_whereabouts_unknown",
        "current_states",
        ["left_week"],
        postgresql_include=["pupil_id", "exit_reason", "left_register_on"],
        postgresql_where=UNKNOWN,
        sqlite_where=UNKNOWN,
    )


def downgrade() -> None:
    op.drop_index("ix_current_states_whereabouts_unknown", table_name="current_states")
    op.drop_index("ix_provision_history_provider_revision", table_name="provision_history")
