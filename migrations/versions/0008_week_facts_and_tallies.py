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
    _index_latest("last_in_spell")
    _index_current("NOT last_in_spell AND exit_reason IS NULL")
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
    _index_latest("next_week IS NULL AND exit_reason IS NULL")
    _index_current(None)
    with op.batch_alter_table("pupil_weeks") as table:
        for column in reversed(_facts()):
            table.drop_column(column.name)
    for table_name, key, local, referred in DERIVED_KEYS:
        with op.batch_alter_table(table_name) as table:
            table.create_foreign_key(key, referred, [local], ["id"])


def _index_latest(condition: str) -> None:
    """The register's order over the rows every "as at now" read rests on."""
    op.drop_index("ix_pupil_weeks_latest", table_name="pupil_weeks")
    op.create_index(
        "ix_pupil_weeks_latest",
        "pupil_weeks",
        ["below_since", "pupil_id"],
        postgresql_where=sa.text(condition),
        sqlite_where=sa.text(condition),
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
