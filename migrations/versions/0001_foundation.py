"""foundation: providers, clients, pupils, provision records, judgements, calendar

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "closure_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_closure_days")),
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("urn", sa.String(length=6), nullable=True),
        sa.Column("laestab", sa.String(length=7), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("laestab", name=op.f("uq_providers_laestab")),
        sa.UniqueConstraint("urn", name=op.f("uq_providers_urn")),
    )
    op.create_table(
        "pupils",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("upn", sa.String(length=13), nullable=False),
        sa.Column("temporary_upn", sa.Boolean(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=True),
        sa.Column("family_name", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pupils")),
        sa.UniqueConstraint("upn", name=op.f("uq_pupils_upn")),
    )
    op.create_table(
        "terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms")),
        sa.UniqueConstraint("start_date", name=op.f("uq_terms_start_date")),
    )
    op.create_table(
        "api_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_api_clients_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_api_clients_client_id")),
    )
    op.create_table(
        "date_of_birth_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=True),
        sa.Column("date_of_birth_sent", sa.Date(), nullable=False),
        sa.Column(
            "seen_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_date_of_birth_conflicts_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupils.id"], name=op.f("fk_date_of_birth_conflicts_pupil_id_pupils")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_date_of_birth_conflicts")),
    )
    with op.batch_alter_table("date_of_birth_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_date_of_birth_conflicts_pupil_id"), ["pupil_id"], unique=False
        )

    op.create_table(
        "provision_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("week_commencing", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("hours_attended", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("provision_type", sa.String(length=30), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("exclusion_type", sa.String(length=20), nullable=True),
        sa.Column("exclusion_start_date", sa.Date(), nullable=True),
        sa.Column("provision_start_date", sa.Date(), nullable=True),
        sa.Column("timetable_review_date", sa.Date(), nullable=True),
        sa.Column("timetable_end_date", sa.Date(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_provision_records_provider_id_providers"),
        ),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupils.id"], name=op.f("fk_provision_records_pupil_id_pupils")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provision_records")),
        sa.UniqueConstraint(
            "pupil_id", "provider_id", "week_commencing", name=op.f("uq_provision_records_pupil_id")
        ),
    )
    with op.batch_alter_table("provision_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_provision_records_provider_week", ["provider_id", "week_commencing"], unique=False
        )

    op.create_table(
        "pupil_weeks",
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("week_commencing", sa.Date(), nullable=False),
        sa.Column("total_hours", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("threshold_hours", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("below_threshold", sa.Boolean(), nullable=False),
        sa.Column("below_since", sa.Date(), nullable=True),
        sa.Column("next_week", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pupil_id"], ["pupils.id"], name=op.f("fk_pupil_weeks_pupil_id_pupils")
        ),
        sa.PrimaryKeyConstraint("pupil_id", "week_commencing", name=op.f("pk_pupil_weeks")),
    )
    with op.batch_alter_table("pupil_weeks", schema=None) as batch_op:
        batch_op.create_index("ix_pupil_weeks_current", ["next_week", "below_since"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pupil_weeks", schema=None) as batch_op:
        batch_op.drop_index("ix_pupil_weeks_current")

    op.drop_table("pupil_weeks")
    with op.batch_alter_table("provision_records", schema=None) as batch_op:
        batch_op.drop_index("ix_provision_records_provider_week")

    op.drop_table("provision_records")
    with op.batch_alter_table("date_of_birth_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_date_of_birth_conflicts_pupil_id"))

    op.drop_table("date_of_birth_conflicts")
    op.drop_table("api_clients")
    op.drop_table("terms")
    op.drop_table("pupils")
    op.drop_table("providers")
    op.drop_table("closure_days")
