"""What a provider sent for one week is read revision by revision from an index of its versions
of that week

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

Before, each revision walked newest first was matched against every version the provider had
of the week, read once from its index by child (55 ms for the busiest provider's 4,305
versions at 100,000 children; 6.6 ms with this index).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_provision_history_provider_week",
        "provision_history",
        ["provider_id", "week_commencing", "revision_id", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_provision_history_provider_week", table_name="provision_history")
