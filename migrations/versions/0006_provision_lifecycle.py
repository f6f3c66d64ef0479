"""provision ends, arrangements, exits from the register, and the history of every change

Existing records get one version each, grouped into one revision per write that last changed
them (their updated_at). Judgements made before this revision know nothing of compulsory
school age: upgrading to head re-judges everyone (the rules edition of 0008).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "provision_history is append-only"
RECORD_FIELDS = (
    "hours",
    "hours_attended",
    "provision_type",
    "reasons",
    "exclusion_type",
    "exclusion_start_date",
    "provision_start_date",
    "timetable_review_date",
    "timetable_end_date",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "provision_ends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("end_reason", sa.String(length=40), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupils.id"], name=op.f("fk_provision_ends_pupil_id_pupils")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_provision_ends_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provision_ends")),
    )
    op.create_index(
        "ix_provision_ends_pupil_provider", "provision_ends", ["pupil_id", "provider_id"]
    )

    op.create_table(
        "provisions",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("start_week", sa.Date(), nullable=False),
        sa.Column("last_week", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupils.id"], name=op.f("fk_provisions_pupil_id_pupils")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_provisions_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint(
            "pupil_id", "provider_id", "start_week", name=op.f("pk_provisions")
        ),
    )
    op.create_index("ix_provisions_provider_id", "provisions", ["provider_id"])
    # Until now no provision ended: one open arrangement per provider and child.
    op.execute(
        "INSERT INTO provisions (pupil_id, provider_id, start_week, last_week) "
        "SELECT pupil_id, provider_id, MIN(week_commencing), MAX(week_commencing) "
        "FROM provision_records GROUP BY pupil_id, provider_id"
    )

    with op.batch_alter_table("pupil_weeks") as table:
        table.alter_column("total_hours", existing_type=sa.Numeric(7, 2), nullable=True)
        table.add_column(sa.Column("on_register_since", sa.Date(), nullable=True))
        table.add_column(sa.Column("exit_reason", sa.String(length=40), nullable=True))
        table.add_column(sa.Column("left_register_on", sa.Date(), nullable=True))
    # With no exits yet, each child has been on the register since their first judgement.
    op.execute(
        "UPDATE pupil_weeks SET on_register_since = (SELECT MIN(first.week_commencing) "
        "FROM pupil_weeks AS first WHERE first.pupil_id = pupil_weeks.pupil_id)"
    )
    with op.batch_alter_table("pupil_weeks") as table:
        table.alter_column("on_register_since", existing_type=sa.Date(), nullable=False)
    op.drop_index("ix_pupil_weeks_latest", table_name="pupil_weeks")
    latest = sa.text("next_week IS NULL AND exit_reason IS NULL")
    op.create_index(
        "ix_pupil_weeks_latest",
        "pupil_weeks",
        ["below_since", "pupil_id"],
        postgresql_where=latest,
        sqlite_where=latest,
    )

    exits = sa.text("exit_reason IS NOT NULL")
    op.create_index(
        "ix_pupil_weeks_exits",
        "pupil_weeks",
        ["left_register_on"],
        postgresql_where=exits,
        sqlite_where=exits,
    )

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("number", name=op.f("uq_revisions_number")),
    )
    op.create_table(
        "provision_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("week_commencing", sa.Date(), nullable=True),
        sa.Column("end_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["end_id"],
            ["provision_ends.id"],
            name=op.f("fk_provision_history_end_id_provision_ends"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_provision_history_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupils.id"], name=op.f("fk_provision_history_pupil_id_pupils")
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name=op.f("fk_provision_history_revision_id_revisions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provision_history")),
    )
    op.create_index("ix_provision_history_pupil_id", "provision_history", ["pupil_id", "id"])
    op.create_index("ix_provision_history_revision_id", "provision_history", ["revision_id"])
    _backfill_history(postgres)

    # The database itself refuses to change or remove a version.
    if postgres:
        op.execute(
            f"""
            CREATE FUNCTION provision_history_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$;
            CREATE TRIGGER provision_history_no_update_delete
                BEFORE UPDATE OR DELETE ON provision_history
                FOR EACH ROW EXECUTE FUNCTION provision_history_refuse();
            CREATE TRIGGER provision_history_no_truncate BEFORE TRUNCATE ON provision_history
                FOR EACH STATEMENT EXECUTE FUNCTION provision_history_refuse();
            """
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER provision_history_no_{event.lower()} BEFORE {event} "
                f"ON provision_history BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def _backfill_history(postgres: bool) -> None:
    """One revision per write that last changed existing records, one version per record."""
    op.execute(
        "INSERT INTO revisions (number, recorded_at, client_id) "
        "SELECT ROW_NUMBER() OVER (ORDER BY updated_at), updated_at, 'before-history' "
        "FROM (SELECT DISTINCT updated_at FROM provision_records) AS writes"
    )
    columns = "revision_id, pupil_id, provider_id, action, week_commencing, details"
    versions = (
        f"SELECT revisions.id, pupil_id, provider_id, 'created', week_commencing, "  # noqa: S608 - this file's constants only
        f"{_details(postgres)} FROM provision_records JOIN revisions "
        "ON revisions.recorded_at = updated_at AND revisions.client_id = 'before-history' "
        "ORDER BY revisions.id, provision_records.id"
    )
    op.execute(f"INSERT INTO provision_history ({columns}) {versions}")


def _details(postgres: bool) -> str:
    """SQL building a version's details from a record's columns."""
    pairs = []
    for name in RECORD_FIELDS:
        value = name
        if name in ("hours", "hours_attended"):
            value = f"CAST({name} AS TEXT)"  # exact: 24.99 stays 24.99
        elif name == "reasons" and not postgres:
            value = "json(reasons)"  # SQLite keeps JSON as text; json() nests it as a list
        pairs.append(f"'{name}', {value}")
    return f"{'json_build_object' if postgres else 'json_object'}({', '.join(pairs)})"


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_table("provision_history")
    if postgres:
        op.execute("DROP FUNCTION provision_history_refuse()")
    op.drop_table("revisions")
    op.drop_index("ix_pupil_weeks_latest", table_name="pupil_weeks")
    op.drop_index("ix_pupil_weeks_exits", table_name="pupil_weeks")
    # Without exits, each judgement points at the next judgement again.
    op.execute("DELETE FROM pupil_weeks WHERE exit_reason IS NOT NULL")
    op.execute(
        "UPDATE pupil_weeks SET next_week = (SELECT MIN(later.week_commencing) "
        "FROM pupil_weeks AS later WHERE later.pupil_id = pupil_weeks.pupil_id "
        "AND later.week_commencing > pupil_weeks.week_commencing)"
    )
    with op.batch_alter_table("pupil_weeks") as table:
        table.drop_column("left_register_on")
        table.drop_column("exit_reason")
        table.drop_column("on_register_since")
        table.alter_column("total_hours", existing_type=sa.Numeric(7, 2), nullable=False)
    latest = sa.text("next_week IS NULL")
    op.create_index(
        "ix_pupil_weeks_latest",
        "pupil_weeks",
        ["below_since", "pupil_id"],
        postgresql_where=latest,
        sqlite_where=latest,
    )
    op.drop_table("provisions")
    op.drop_table("provision_ends")
