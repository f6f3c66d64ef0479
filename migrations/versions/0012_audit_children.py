"""Audit: which children each event touched, and refused calls with their status and address;
a provider's date-of-birth clashes counted by day

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "audit_event_children is append-only"


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    # SQLite cannot add columns while the append-only triggers refuse UPDATE; adding a column
    # with a default changes no row, so the triggers stay.
    op.add_column(
        "audit_events",
        sa.Column("status", sa.SmallInteger(), server_default="200", nullable=False),
    )
    op.add_column("audit_events", sa.Column("address", sa.String(length=45), nullable=True))
    op.create_table(
        "audit_event_children",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_events.id"],
            name=op.f("fk_audit_event_children_event_id_audit_events"),
        ),
        sa.PrimaryKeyConstraint("pupil_id", "event_id", name=op.f("pk_audit_event_children")),
    )
    op.create_index(
        "ix_date_of_birth_conflicts_provider_seen",
        "date_of_birth_conflicts",
        ["provider_id", "seen_at"],
    )
    if postgresql:
        op.execute(
            """
            CREATE TRIGGER audit_event_children_no_update_delete
                BEFORE UPDATE OR DELETE ON audit_event_children
                FOR EACH ROW EXECUTE FUNCTION audit_events_refuse();
            CREATE TRIGGER audit_event_children_no_truncate BEFORE TRUNCATE ON audit_event_children
                FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse();
            """
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_children_no_{event.lower()} BEFORE {event} "
                f"ON audit_event_children BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade() -> None:
    op.drop_index("ix_date_of_birth_conflicts_provider_seen", "date_of_birth_conflicts")
    op.drop_table("audit_event_children")
    with op.batch_alter_table("audit_events") as table:
        table.drop_column("address")
        table.drop_column("status")
