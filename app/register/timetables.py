"""The part-time timetables each current state rests on (``current_timetables``), kept in the
write's transaction with the current states, so that rule 13's alerts as at this week read a
row per timetable instead of probing each child's records, arrangements and end dates.

A row is a record of the state's week that names a part-time timetable or a review or end
date, once for each arrangement of its provider that had not ended before that week: the
alerts keep those open in the week asked about, as they do from the records."""

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from app.models import CurrentState, CurrentTimetable, Provision, ProvisionRecord
from app.register.queries import in_status_week
from app.vocabulary import Reason

COLUMNS = [column.name for column in CurrentTimetable.__table__.columns]


def part_time(record: Any = ProvisionRecord) -> ColumnElement[bool]:
    """The record's reason codes (a JSON list of strings) name a part-time timetable."""
    return cast(record.reasons, String).contains(f'"{Reason.part_time_timetable.value}"')


def _ends_given(record: Any) -> tuple[Any, ColumnElement[bool]]:
    """Another alias of the records, and the condition that its row is one of the record's
    provider's for the child that gives a timetable end date (an index of those serves it)."""
    given = aliased(ProvisionRecord)
    return given, and_(
        given.pupil_id == record.pupil_id,
        given.provider_id == record.provider_id,
        given.timetable_end_date.is_not(None),
    )


def latest_end_by(week: Any, record: Any = ProvisionRecord) -> Any:
    """The latest timetable end date the record's provider gave for the child by the week."""
    given, same_pair = _ends_given(record)
    return (
        select(func.max(given.timetable_end_date))
        .where(same_pair, given.week_commencing <= week)
        .scalar_subquery()
    )


def timetables_of(children: Any | None = None) -> Select[Any]:
    """Each current state's timetables (``COLUMNS``): of these children, or of all."""
    given, same_pair = _ends_given(ProvisionRecord)
    week = CurrentState.week_commencing
    query = (
        select(
            CurrentState.pupil_id,
            ProvisionRecord.provider_id,
            Provision.start_week,
            Provision.end_date,
            week,
            part_time(),
            ProvisionRecord.timetable_review_date,
            ProvisionRecord.timetable_end_date,
            latest_end_by(week),
            exists().where(same_pair, given.week_commencing > week),
        )
        .join(ProvisionRecord, in_status_week(CurrentState))
        .join(
            Provision,
            and_(
                Provision.pupil_id == ProvisionRecord.pupil_id,
                Provision.provider_id == ProvisionRecord.provider_id,
                or_(Provision.end_date.is_(None), Provision.end_date >= week),
            ),
        )
        .where(
            or_(
                part_time(),
                ProvisionRecord.timetable_review_date.is_not(None),
                ProvisionRecord.timetable_end_date.is_not(None),
            )
        )
    )
    if children is not None:
        query = query.join(children, children.c.pupil_id == CurrentState.pupil_id)
    return query


def keep_timetables(session: Session, children: Any) -> None:
    """Replace these children's timetables (``children``: a row set of ``pupil_id``) from
    their current states, after those are kept."""
    session.execute(
        delete(CurrentTimetable)
        .where(CurrentTimetable.pupil_id.in_(select(children.c.pupil_id)))
        .execution_options(synchronize_session=False)
    )
    session.execute(insert(CurrentTimetable).from_select(COLUMNS, timetables_of(children)))
