"""SQL for "each child's state as at a week", shared by the register list, summary and extract."""

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Select, Subquery, and_, exists, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.models import Provision, ProvisionRecord, Pupil, PupilWeek
from app.register.facts import SCHOOL_MASK


def state_as_at(week_commencing: date) -> ColumnElement[bool]:
    """True for the one register week per child that their state as at the week rests on."""
    return and_(
        PupilWeek.week_commencing <= week_commencing,
        or_(PupilWeek.next_week.is_(None), PupilWeek.next_week > week_commencing),
    )


# A register week that is a judgement; an exit row marks the first week off the register.
JUDGED = PupilWeek.exit_reason.is_(None)


def on_register_as_at(week_commencing: date) -> ColumnElement[bool]:
    """True for the judgement each child on the register as at the week rests on (rule 7)."""
    return and_(state_as_at(week_commencing), JUDGED)


# The register's order: longest run first (earliest below_since), children not below last,
# ties by child id. The partial index ix_pupil_weeks_latest serves it for current states.
REGISTER_ORDER = (PupilWeek.below_since.asc().nulls_last(), PupilWeek.pupil_id)


def register_sort_key(row: PupilWeek) -> tuple[bool, date, int]:
    """REGISTER_ORDER, in Python."""
    return (row.below_since is None, row.below_since or date.max, row.pupil_id)


def children_with_judgements() -> Select[Pupil, PupilWeek]:
    """Children joined to their judgements, for narrowing to one state per child."""
    return select(Pupil, PupilWeek).join(PupilWeek, PupilWeek.pupil_id == Pupil.id)


def register_halves(week_commencing: date) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """``on_register_as_at`` split in two halves that indexes serve: the last judgement of each
    time on the register (ix_pupil_weeks_latest: every "as at now" read), and, for a past
    week, judgements whose next judgement came after it."""
    on_or_before = PupilWeek.week_commencing <= week_commencing
    return (
        and_(
            PupilWeek.last_in_spell,
            on_or_before,
            or_(PupilWeek.next_week.is_(None), PupilWeek.next_week > week_commencing),
        ),
        and_(~PupilWeek.last_in_spell, JUDGED, on_or_before, PupilWeek.next_week > week_commencing),
    )


def first_children_as_at(
    session: Session, query: Select[Pupil, PupilWeek], *, week_commencing: date, limit: int
) -> list[tuple[Pupil, PupilWeek]]:
    """The first ``limit`` children in register order as at the week: each half of the register
    read in index order and the two merged, so a page costs an index range scan, not a sort of
    every child."""
    rows = [
        (pupil, row)
        for half in register_halves(week_commencing)
        for pupil, row in session.execute(query.where(half).order_by(*REGISTER_ORDER).limit(limit))
    ]
    return sorted(rows, key=lambda pair: register_sort_key(pair[1]))[:limit]


def last_before(changed: Subquery, *, exits_only: bool = False) -> ColumnElement[bool]:
    """True for each changed child's last register week (or exit) before their first changed
    week; ``changed`` has their ``pupil_id`` and ``first_week``."""
    earlier = aliased(PupilWeek)
    conditions = [
        earlier.pupil_id == changed.c.pupil_id,
        earlier.week_commencing < changed.c.first_week,
    ]
    if exits_only:
        conditions.append(earlier.exit_reason.is_not(None))
    return (
        PupilWeek.week_commencing
        == select(func.max(earlier.week_commencing)).where(*conditions).scalar_subquery()
    )


def in_status_week(state: Any = PupilWeek, rows: Any = ProvisionRecord) -> ColumnElement[bool]:
    """Joins rows of a child's weeks (provision records, or register weeks) to the week their
    state (a register week, or a current state) rests on."""
    return and_(rows.pupil_id == state.pupil_id, rows.week_commencing == state.week_commencing)


def on_inspection_list(state: Any = PupilWeek) -> ColumnElement[bool]:
    """Below threshold, or in alternative provision: any provision but a school's own that
    week, even at full time (from the facts of the judgement, or of the current state)."""
    return or_(state.below_threshold, state.provision_types.op("&")(~SCHOOL_MASK) != 0)


def provided_in_status_week(
    *, provision_type: str | None = None, provider_id: int | None = None
) -> ColumnElement[bool]:
    """The child had such a record in the week their state rests on."""
    conditions = [in_status_week()]
    if provision_type is not None:
        conditions.append(ProvisionRecord.provision_type == provision_type)
    if provider_id is not None:
        conditions.append(ProvisionRecord.provider_id == provider_id)
    return exists().where(*conditions)


def open_in(week_commencing: date) -> ColumnElement[bool]:
    """The arrangement (``Provision``) is open in the week (rule 6; an end counts its week)."""
    return and_(
        Provision.start_week <= week_commencing,
        or_(Provision.end_date.is_(None), Provision.end_date >= week_commencing),
    )


class monday_after(FunctionElement[date]):
    """The Monday after a date's week: the first week after it."""

    type = Date()
    inherit_cache = True


@compiles(monday_after, "postgresql")
def _monday_after_postgresql(element: monday_after, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"({day} + (8 - CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER)))"


@compiles(monday_after, "sqlite")
def _monday_after_sqlite(element: monday_after, compiler: SQLCompiler, **kw: Any) -> str:
    # The next Monday on or after the following day.
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day', 'weekday 1')"
