"""Weekly hours-of-provision records, the ends providers state, and the arrangements they make."""

from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class ProvisionRecord(Timestamped, Base):
    __tablename__ = "provision_records"
    __table_args__ = (
        # A child's records from a week on are one range of this index.
        UniqueConstraint("pupil_id", "week_commencing", "provider_id"),
        Index("ix_provision_records_provider_week", "provider_id", "week_commencing"),
        # The latest end date each provider gave for a child's part-time timetable (rule 13),
        # read from the few records that give one.
        Index(
            "ix_provision_records_timetable_ends",
            "pupil_id",
            "provider_id",
            "timetable_end_date",
            postgresql_include=["week_commencing"],
            postgresql_where=text("timetable_end_date IS NOT NULL"),
            sqlite_where=text("timetable_end_date IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    week_commencing: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    hours_attended: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    provision_type: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    exclusion_type: Mapped[str | None] = mapped_column(String(20))
    exclusion_start_date: Mapped[date | None] = mapped_column(Date)
    provision_start_date: Mapped[date | None] = mapped_column(Date)
    timetable_review_date: Mapped[date | None] = mapped_column(Date)
    timetable_end_date: Mapped[date | None] = mapped_column(Date)
    parent_agreed_on: Mapped[date | None] = mapped_column(Date)


class ProvisionEnd(Timestamped, Base):
    """A provider's (or the LA's) statement that one arrangement for a child ends, and why."""

    __tablename__ = "provision_ends"
    __table_args__ = (Index("ix_provision_ends_pupil_provider", "pupil_id", "provider_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    end_date: Mapped[date] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(40))


class Provision(Base):
    """Derived, kept current at write time: one provider's arrangement for a child (rule 6)."""

    __tablename__ = "provisions"
    __table_args__ = (
        Index("ix_provisions_provider_id", "provider_id"),
        # Open arrangements by their last return, and those ending ahead: who is late.
        Index(
            "ix_provisions_open",
            "last_week",
            postgresql_where=text("end_date IS NULL"),
            sqlite_where=text("end_date IS NULL"),
        ),
        Index(
            "ix_provisions_ending",
            "end_date",
            postgresql_where=text("end_date IS NOT NULL"),
            sqlite_where=text("end_date IS NOT NULL"),
        ),
    )

    # Derived: no foreign keys (see PupilWeek).
    pupil_id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(primary_key=True)
    start_week: Mapped[date] = mapped_column(Date, primary_key=True)
    last_week: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(40))
