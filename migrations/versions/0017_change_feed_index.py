"""The change feed reads on from any position inside one revision by an index range, however
large the revision, instead of sorting it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_provision_history_revision", "provision_history", ["revision_id", "id"])
    op.drop_index("ix_provision_history_revision_id", table_name="provision_history")


def downgrade() -> None:
    op.create_index("ix_provision_history_revision_id", "provision_history", ["revision_id"])
    op.drop_index("ix_provision_history_revision", table_name="provision_history")
