"""Each current state keeps its judgement's provision types, so the inspection extract's
children are counted and named in the audit trail from the current states' index alone

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

Before, naming them joined every listed child's register week (727,524 at a million children)
and passed their ids through the service.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
    op.add_column(
        "current_states",
        sa.Column("provision_types", sa.Integer(), server_default="0", nullable=False),
    )
    op.execute(
        "UPDATE current_states SET provision_types = w.provision_types FROM pupil_weeks w "
        "WHERE w.pupil_id = current_states.pupil_id "
        "AND w.week_commencing = current_states.week_commencing"
    )
    _cover([*COVERED, "provision_types"])


def downgrade() -> None:
    _cover(COVERED)
    op.drop_column("current_states", "provision_types")


def _cover(columns: list[str]) -> None:
    op.drop_index("ix_current_states_left_week", table_name="current_states")
    op.create_index(
        "ix_current_states_left_week", "current_states", ["left_week"], postgresql_include=columns
    )
