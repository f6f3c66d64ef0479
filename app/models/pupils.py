"""Children on the register, and the register's derived weekly judgement."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped
from app.vocabulary import WHEREABOUTS_UNKNOWN

WHEREABOUTS_UNKNOWN_SQL = f"exit_reason IN ({', '.join(repr(str(r)) for r in WHEREABOUTS_UNKNOWN)})"


class Pupil(Timestamped, Base):
    __tablename__ = "pupils"
    # Few children are ever merged; finding them must not scan every child.
    __table_args__ = (
        Index(
            "ix_pupils_merged_into",
            "merged_into",
            postgresql_where=text("merged_into IS NOT NULL"),
            sqlite_where=text("merged_into IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upn: Mapped[str] = mapped_column(String(13), unique=True)
    temporary_upn: Mapped[bool]
    date_of_birth: Mapped[date] = mapped_column(Date)
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    # Set when a UPN change merged this child into another: the row stays for its history.
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"))


class DateOfBirthConflict(Base):
    """A rejected record whose date of birth disagreed with the register's."""

    __tablename__ = "date_of_birth_conflicts"
    # A provider's clashes today, counted on every write it makes.
    __table_args__ = (Index("ix_date_of_birth_conflicts_provider_seen", "provider_id", "seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    date_of_birth_sent: Mapped[date] = mapped_column(Date)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


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


class PupilWeek(Base):
    """Derived, kept current at write time: a child's register week. Either a judged term week
    on the register, or (``exit_reason`` set) the first term week they are off it."""

    __tablename__ = "pupil_weeks"
    __table_args__ = (
        # The state as at a past week often rests on a judgement whose next judgement came
        # after it (register_halves' second half); the last of each spell has its own index.
        Index(
            "ix_pupil_weeks_current",
            "next_week",
            "below_since",
            postgresql_where=text("NOT last_in_spell AND exit_reason IS NULL"),
            sqlite_where=text("NOT last_in_spell AND exit_reason IS NULL"),
        ),
        # The register's order over the last judgement of each time on the register, which
        # every "as at now" read rests on (see register/queries.py).
        Index(
            "ix_pupil_weeks_latest",
            "below_since",
            "pupil_id",
            # What as-at-now reads and alerts ask of each judgement, so they read the index
            # alone (a dense copy of the register now) rather than rows spread over the table.
            postgresql_include=LATEST_INCLUDES,
            postgresql_where=text("last_in_spell"),
            sqlite_where=text("last_in_spell"),
        ),
        # Who left the register, and when (the summary's outcomes).
        Index(
            "ix_pupil_weeks_exits",
            "left_register_on",
            postgresql_include=EXIT_INCLUDES,
            postgresql_where=text("exit_reason IS NOT NULL"),
            sqlite_where=text("exit_reason IS NOT NULL"),
        ),
    )

    # Derived tables carry no foreign keys: they are rewritten from the records (which carry
    # them) in the same transaction, and a key check per row would cost more than the row.
    pupil_id: Mapped[int] = mapped_column(primary_key=True)
    week_commencing: Mapped[date] = mapped_column(Date, primary_key=True)
    total_hours: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    threshold_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    below_threshold: Mapped[bool]
    below_since: Mapped[date | None] = mapped_column(Date)
    next_week: Mapped[date | None] = mapped_column(Date)
    # A judgement with no judgement after it before the child leaves the register (or ever).
    last_in_spell: Mapped[bool] = mapped_column(server_default=false())
    on_register_since: Mapped[date] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(40))
    left_register_on: Mapped[date | None] = mapped_column(Date)
    short_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2), server_default="0")
    # The week's facts (app/register/facts.py): what its records say besides hours.
    provision_types: Mapped[int] = mapped_column(server_default="0")
    reasons: Mapped[int] = mapped_column(server_default="0")
    provider_ids: Mapped[list[int]] = mapped_column(JSON, server_default="[]")
    on_roll: Mapped[bool] = mapped_column(server_default=false())
    exclusion_type: Mapped[str | None] = mapped_column(String(20))
    excluded_from: Mapped[date | None] = mapped_column(Date)
    provision_start_date: Mapped[date | None] = mapped_column(Date)
    timetable_due: Mapped[date | None] = mapped_column(Date)
    # Rule 11: hours received, school days missed this school year through this week (of them
    # in weeks given for health needs), and whether this week's records give health needs.
    hours_received: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    missed_days: Mapped[Decimal] = mapped_column(Numeric(6, 2), server_default="0")
    missed_days_health: Mapped[Decimal] = mapped_column(Numeric(6, 2), server_default="0")
    health: Mapped[bool] = mapped_column(server_default=false())
    # Rule 12: suspensions in force, [[provider_id, first day], ...], and the earliest day.
    suspensions: Mapped[list[list[Any]]] = mapped_column(JSON, server_default="[]")
    suspended_from: Mapped[date | None] = mapped_column(Date)


class CurrentState(Base):
    """Derived, kept current at write time: each child's latest judgement and the exit that
    follows it, if any (their state as at the judgement's week and every week after it), with
    the dates the "as at" alert rules compare with the week asked about, so a dashboard's
    alerts read one row per child."""

    __tablename__ = "current_states"
    __table_args__ = (
        # The register's order (REGISTER_ORDER), in which the extract streams from the start.
        Index("ix_current_states_register_order", "below_since", "pupil_id"),
        # The latest judgement of all: whether the current states answer for a week.
        Index("ix_current_states_week", "week_commencing"),
        # Children on the register as at a week (no exit, or an exit after it): what every
        # alert rule counts, and the extract's audit names, read from the index alone.
        Index(
            "ix_current_states_left_week",
            "left_week",
            postgresql_include=[
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
                "provision_types",
            ],
        ),
        # The few who left with their whereabouts unknown (an alert until a destination is
        # recorded), found without reading every child who left.
        Index(
            "ix_current_states_whereabouts_unknown",
            "left_week",
            postgresql_include=["pupil_id", "exit_reason", "left_register_on"],
            postgresql_where=text(WHEREABOUTS_UNKNOWN_SQL),
            sqlite_where=text(WHEREABOUTS_UNKNOWN_SQL),
        ),
    )

    pupil_id: Mapped[int] = mapped_column(primary_key=True)
    week_commencing: Mapped[date] = mapped_column(Date)
    on_register_since: Mapped[date] = mapped_column(Date)
    total_hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    below_threshold: Mapped[bool]
    below_since: Mapped[date | None] = mapped_column(Date)
    on_roll: Mapped[bool]
    provision_types: Mapped[int] = mapped_column(server_default="0")
    reasons: Mapped[int]
    excluded_from: Mapped[date | None] = mapped_column(Date)
    suspended_from: Mapped[date | None] = mapped_column(Date)
    suspensions: Mapped[list[list[Any]]] = mapped_column(JSON)
    timetable_due: Mapped[date | None] = mapped_column(Date)
    # Rule 11: the week in which school days missed in this week's school year reach the LA's
    # figure (register_version.alert_days), the state carried to the year's end; None if never.
    missed_since: Mapped[date | None] = mapped_column(Date)
    # The exit that follows: the first week off the register (it may be ahead, as when the
    # child will cease to be of compulsory school age), why, and the leaving date.
    left_week: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(40))
    left_register_on: Mapped[date | None] = mapped_column(Date)


class CurrentTimetable(Base):
    """Derived, kept current with the current states (app/register/timetables.py): each record
    of a current state's week that names a part-time timetable or a review or end date, once
    for each arrangement of its provider not ended before that week, with the latest end date
    the provider gave by then. Rule 13's alerts as at this week or later read these rows, not
    the records."""

    __tablename__ = "current_timetables"

    pupil_id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(primary_key=True)
    # The arrangement: open in a week asked about when it started by then and has not ended.
    start_week: Mapped[date] = mapped_column(Date, primary_key=True)
    provision_end: Mapped[date | None] = mapped_column(Date)
    week_commencing: Mapped[date] = mapped_column(Date)
    part_time: Mapped[bool]
    timetable_review_date: Mapped[date | None] = mapped_column(Date)
    timetable_end_date: Mapped[date | None] = mapped_column(Date)
    latest_end: Mapped[date | None] = mapped_column(Date)
    # The provider gave an end date in a later week (a holiday's record, which is not judged):
    # the latest end date as at a week is then read from the records.
    ends_after: Mapped[bool]


class WeekTally(Base):
    """Derived, kept current at write time: how one week changes one of the register's counts
    (app/register/tallies.py). A count as at a week is the sum of its changes up to it."""

    __tablename__ = "tallies"

    measure: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    week_commencing: Mapped[date] = mapped_column(Date, primary_key=True)
    children: Mapped[int]
    below: Mapped[int]
    below_hours: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class RegisterVersion(Base):
    """One row counting changes to the judgements, so cached aggregates know they are stale;
    and which edition of the register's rules made the derived state."""

    __tablename__ = "register_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    rules: Mapped[int] = mapped_column(server_default="0")
    # The missed-school-days figure current_states.missed_since was projected with (None:
    # not yet projected).
    alert_days: Mapped[int | None]
