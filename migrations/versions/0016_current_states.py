"""Each child's current state in one row, kept at write time, so the alerts a dashboard opens
first read one row per child

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

The rows are copied here from each child's latest judgement and the exit after it; the week
in which school days missed reach the LA's figure depends on the service's settings and
calendar, so the service projects it at start-up (register_version.alert_days is empty until
then).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENDED = sa.text("timetable_end_date IS NOT NULL")
# The latest judgement's columns a current state copies.
COPIED = (
    "pupil_id",
    "week_commencing",
    "on_register_since",
    "total_hours",
    "below_threshold",
    "below_since",
    "on_roll",
    "reasons",
    "excluded_from",
    "suspended_from",
    "suspensions",
    "timetable_due",
)
COVERED = [
    "pupil_id",
    "below_since",
    "week_commencing",
    "below_threshold",
    "total_hours",
    "on_roll",
    "excluded_from",
    "suspended_from",
    "timetable_due",
    "reasons",
    "missed_since",
]


def upgrade() -> None:
    op.create_table(
        "current_states",
        sa.Column("pupil_id", sa.Integer(), primary_key=True),
        sa.Column("week_commencing", sa.Date(), nullable=False),
        sa.Column("on_register_since", sa.Date(), nullable=False),
        sa.Column("total_hours", sa.Numeric(7, 2), nullable=False),
        sa.Column("below_threshold", sa.Boolean(), nullable=False),
        sa.Column("below_since", sa.Date(), nullable=True),
        sa.Column("on_roll", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.Integer(), nullable=False),
        sa.Column("excluded_from", sa.Date(), nullable=True),
        sa.Column("suspended_from", sa.Date(), nullable=True),
        sa.Column("suspensions", sa.JSON(), nullable=False),
        sa.Column("timetable_due", sa.Date(), nullable=True),
        sa.Column("missed_since", sa.Date(), nullable=True),
        sa.Column("left_week", sa.Date(), nullable=True),
        sa.Column("exit_reason", sa.String(length=40), nullable=True),
        sa.Column("left_register_on", sa.Date(), nullable=True),
    )
    op.create_index(
        "ix_current_states_register_order", "current_states", ["below_since", "pupil_id"]
    )
    op.create_index("ix_current_states_week", "current_states", ["week_commencing"])
    op.create_index(
        "ix_provision_records_timetable_ends",
        "provision_records",
        ["pupil_id", "provider_id", "timetable_end_date"],
        postgresql_include=["week_commencing"],
        postgresql_where=ENDED,
        sqlite_where=ENDED,
    )
    op.create_index(
        "ix_current_states_left_week",
        "current_states",
        ["left_week"],
        postgresql_include=COVERED,
    )
    # Each child's last judgement of their latest time on the register, and its exit.
    columns = ", ".join(COPIED)
    judged = ", ".join(f"j.{name}" for name in COPIED)
    op.execute(
        f"INSERT INTO current_states ({columns}, left_week, exit_reason, left_register_on) "  # noqa: S608
        f"SELECT {judged}, "
        "x.week_commencing, x.exit_reason, x.left_register_on "
        "FROM pupil_weeks j LEFT JOIN pupil_weeks x "
        "ON x.pupil_id = j.pupil_id AND x.week_commencing = j.next_week "
        "WHERE j.exit_reason IS NULL AND j.last_in_spell "
        "AND (j.next_week IS NULL OR x.next_week IS NULL)"
    )
    with op.batch_alter_table("register_version") as table:
        table.add_column(sa.Column("alert_days", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("register_version") as table:
        table.drop_column("alert_days")
    op.drop_index("ix_provision_records_timetable_ends", table_name="provision_records")
    op.drop_table("current_states")
