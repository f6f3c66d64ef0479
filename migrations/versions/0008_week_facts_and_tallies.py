"""week facts on register weeks, tallies for dashboards, the rules edition; records keyed by
child and week first; the register's order indexed over each spell's last judgement

The new columns and tallies are derived state: `upgrade_to_head` (app/migrations.py) re-judges
every child once after this revision, because the rules edition it records is behind.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The columns these indexes carry (app/models/pupils.py): the revision keeps its own copy.
LATEST_INCLUDES = [
    "week_commencing",
    "next_week",
    "below_threshold",
    "total_hours",
    "excluded_from",
    "short_hours",
    "on_roll",
    "timetable_due",
]
EXIT_INCLUDES = ["pupil_id", "week_commencing", "next_week", "exit_reason", "on_register_since"]
# Open arrangements by their last return, and those ending ahead: who is late with a return.
PROVISION_INDEXES = (
    ("ix_provisions_open", "last_week", "end_date IS NULL"),
    ("ix_provisions_ending", "end_date", "end_date IS NOT NULL"),
)

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _facts() -> list[sa.Column[object]]:
    return [
        sa.Column("last_in_spell", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("short_hours", sa.Numeric(8, 2), server_default="0", nullable=False),
        sa.Column("provision_types", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reasons", sa.Integer(), server_default="0", nullable=False),
        sa.Column("provider_ids", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("on_roll", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("exclusion_type", sa.String(length=20), nullable=True),
        sa.Column("excluded_from", sa.Date(), nullable=True),
        sa.Column("provision_start_date", sa.Date(), nullable=True),
        sa.Column("timetable_due", sa.Date(), nullable=True),
    ]


# Derived tables lose their foreign keys: rewritten from the records in the same transaction,
# they do not need a key check per row, which costs more than the row.
DERIVED_KEYS = (
    ("pupil_weeks", "fk_pupil_weeks_pupil_id_pupils", "pupil_id", "pupils"),
    ("provisions", "fk_provisions_pupil_id_pupils", "pupil_id", "pupils"),
    ("provisions", "fk_provisions_provider_id_providers", "provider_id", "providers"),
)


def upgrade() -> None:
    for table_name, key, _, _ in DERIVED_KEYS:
        with op.batch_alter_table(table_name) as table:
            table.drop_constraint(key, type_="foreignkey")
    with op.batch_alter_table("pupil_weeks") as table:
        for column in _facts():
            table.add_column(column)
    _index_latest("last_in_spell", LATEST_INCLUDES)
    _index_current("NOT last_in_spell AND exit_reason IS NULL")
    _index_exits(EXIT_INCLUDES)
    for name, column, condition in PROVISION_INDEXES:
        where = sa.text(condition)
        op.create_index(name, "provisions", [column], postgresql_where=where, sqlite_where=where)
    if op.get_bind().dialect.name == "postgresql":
        # Vacuum soon after each push, so that reads of the indexes above seldom need the
        # rows themselves (index-only scans need pages marked all-visible).
        op.execute(
            "ALTER TABLE pupil_weeks SET (autovacuum_vacuum_scale_factor = 0.01, "
            "autovacuum_vacuum_insert_scale_factor = 0.01)"
        )
    op.create_table(
        "tallies",
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("week_commencing", sa.Date(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("below", sa.Integer(), nullable=False),
        sa.Column("below_hours", sa.Numeric(12, 2), nullable=False),
        sa.PrimaryKeyConstraint("measure", "key", "week_commencing", name=op.f("pk_tallies")),
    )
    with op.batch_alter_table("register_version") as table:
        table.add_column(sa.Column("rules", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("provision_records") as table:
        table.drop_constraint("uq_provision_records_pupil_id", type_="unique")
        table.create_unique_constraint(
            "uq_provision_records_pupil_id", ["pupil_id", "week_commencing", "provider_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("provision_records") as table:
        table.drop_constraint("uq_provision_records_pupil_id", type_="unique")
        table.create_unique_constraint(
            "uq_provision_records_pupil_id", ["pupil_id", "provider_id", "week_commencing"]
        )
    with op.batch_alter_table("register_version") as table:
        table.drop_column("rules")
    op.drop_table("tallies")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE pupil_weeks RESET (autovacuum_vacuum_scale_factor, "
            "autovacuum_vacuum_insert_scale_factor)"
        )
    for name, _, _ in PROVISION_INDEXES:
        op.drop_index(name, table_name="provisions")
    _index_exits([])
    _index_latest("next_week IS NULL AND exit_reason IS NULL", [])
    _index_current(None)
    with op.batch_alter_table("pupil_weeks") as table:
        for column in reversed(_facts()):
            table.drop_column(column.name)
    for table_name, key, local, referred in DERIVED_KEYS:
        with op.batch_alter_table(table_name) as table:
            table.create_foreign_key(key, referred, [local], ["id"])


def _index_latest(condition: str, includes: list[str]) -> None:
    """The register's order over the rows every "as at now" read rests on."""
    op.drop_index("ix_pupil_weeks_latest", table_name="pupil_weeks")
    op.create_index(
        "ix_pupil_weeks_latest",
        "pupil_weeks",
        ["below_since", "pupil_id"],
        postgresql_include=includes,
        postgresql_where=sa.text(condition),
        sqlite_where=sa.text(condition),
    )


def _index_exits(includes: list[str]) -> None:
    """Exits by the day the child left, with what outcomes and alerts read of them."""
    condition = sa.text("exit_reason IS NOT NULL")
    op.drop_index("ix_pupil_weeks_exits", table_name="pupil_weeks")
    op.create_index(
        "ix_pupil_weeks_exits",
        "pupil_weeks",
        ["left_register_on"],
        postgresql_include=includes,
        postgresql_where=condition,
        sqlite_where=condition,
    )


def _index_current(condition: str | None) -> None:
    """Judgements whose next judgement comes later: a past week's state rests on them."""
    op.drop_index("ix_pupil_weeks_current", table_name="pupil_weeks")
    where = sa.text(condition) if condition else None
    op.create_index(
        "ix_pupil_weeks_current",
        "pupil_weeks",
        ["next_week", "below_since"],
        postgresql_where=where,
        sqlite_where=where,
    )
