"""UPN changes: a table of them, children merged into another kept for their history, history
rows for a change of UPN (no provider), and history indexed by provider and record

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "provision_history is append-only"


def _nullable_provider(nullable: bool) -> None:
    """Alter provision_history.provider_id. SQLite does it by copying the table, which drops
    its triggers: they are made again, so the history stays append-only."""
    with op.batch_alter_table("provision_history") as batch:
        batch.alter_column("provider_id", existing_type=sa.Integer(), nullable=nullable)
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS provision_history_no_{event.lower()} "
                f"BEFORE {event} ON provision_history BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def upgrade() -> None:
    op.create_table(
        "upn_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("old_upn", sa.String(length=13), nullable=False),
        sa.Column("new_upn", sa.String(length=13), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupils.id"], name=op.f("fk_upn_changes_pupil_id_pupils")
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revisions.id"], name=op.f("fk_upn_changes_revision_id_revisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upn_changes")),
    )
    op.create_index("ix_upn_changes_pupil_id", "upn_changes", ["pupil_id"])
    op.create_index("ix_upn_changes_old_upn", "upn_changes", ["old_upn"])
    with op.batch_alter_table("pupils") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_pupils_merged_into_pupils"), "pupils", ["merged_into"], ["id"]
        )
    _nullable_provider(True)
    op.create_index(
        "ix_provision_history_provider_record",
        "provision_history",
        ["provider_id", "pupil_id", "week_commencing", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_provision_history_provider_record", table_name="provision_history")
    # Fails once a UPN has been changed: that history row has no provider, and history rows
    # are never removed.
    _nullable_provider(False)
    with op.batch_alter_table("pupils") as batch:
        batch.drop_constraint(op.f("fk_pupils_merged_into_pupils"), type_="foreignkey")
        batch.drop_column("merged_into")
    op.drop_index("ix_upn_changes_old_upn", table_name="upn_changes")
    op.drop_index("ix_upn_changes_pupil_id", table_name="upn_changes")
    op.drop_table("upn_changes")
