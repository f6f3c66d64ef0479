"""The judgement follows the statutory guidance (contract v1.2): hours received, school days
missed across the school year and suspensions kept on register weeks; parents' agreement to a
part-time timetable on records; corrections of a child's date of birth in the history

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

The rules edition rises with this revision (app/register/rejudge.py), so upgrading re-judges
every child once and fills the new columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEEK_COLUMNS = ("hours_received", "missed_days", "missed_days_health", "health", "suspensions")


REFUSAL = "provision_history is append-only"


def _action_length(length: int, *, was: int) -> None:
    """Room for "date_of_birth_corrected" in provision_history.action. SQLite alters by
    copying the table, which drops its triggers: they are made again (as in 0009), so the
    history stays append-only."""
    with op.batch_alter_table("provision_history") as table:
        table.alter_column(
            "action", type_=sa.String(length=length), existing_type=sa.String(length=was)
        )
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS provision_history_no_{event.lower()} "
                f"BEFORE {event} ON provision_history BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def upgrade() -> None:
    _action_length(30, was=20)
    with op.batch_alter_table("provision_records") as table:
        table.add_column(sa.Column("parent_agreed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("pupil_weeks") as table:
        table.add_column(sa.Column("hours_received", sa.Numeric(7, 2), nullable=True))
        table.add_column(
            sa.Column("missed_days", sa.Numeric(6, 2), server_default="0", nullable=False)
        )
        table.add_column(
            sa.Column("missed_days_health", sa.Numeric(6, 2), server_default="0", nullable=False)
        )
        table.add_column(
            sa.Column("health", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        table.add_column(sa.Column("suspensions", sa.JSON(), server_default="[]", nullable=False))
        table.add_column(sa.Column("suspended_from", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pupil_weeks") as table:
        for name in (*WEEK_COLUMNS, "suspended_from"):
            table.drop_column(name)
    with op.batch_alter_table("provision_records") as table:
        table.drop_column("parent_agreed_on")
    _action_length(20, was=30)
