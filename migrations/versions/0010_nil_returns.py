"""Nil returns: providers with no children to report in a week say so

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nil_returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("week_commencing", sa.Date(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_nil_returns_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nil_returns")),
        sa.UniqueConstraint(
            "provider_id", "week_commencing", name=op.f("uq_nil_returns_provider_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("nil_returns")
