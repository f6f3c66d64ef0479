"""Finding a child the caller may read, and their week-by-week history."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.schemas import Principal
from app.errors import NotFound
from app.models import ProvisionRecord, Pupil, PupilWeek
from app.pupils.access import pupil_visible, sees_provider_detail
from app.pupils.schemas import WeekDetail
from app.register.rules import (
    WEEK,
    SchoolCalendar,
    WeekJudgement,
    status_as_at,
    threshold_for,
    weekly_totals,
)
from app.register.schemas import ProviderHours
from app.register.service import judgement_of


def readable_pupil(session: Session, *, principal: Principal, upn: str) -> Pupil:
    """The child with this UPN if the caller may read them; otherwise 404, never 403,
    so a provider cannot learn who else is on the register."""
    pupil = session.scalar(select(Pupil).where(Pupil.upn == upn, pupil_visible(principal)))
    if pupil is None:
        raise NotFound(f"No child with UPN {upn} that you may see.")
    return pupil


def week_details(
    session: Session,
    *,
    principal: Principal,
    pupil: Pupil,
    first: date,
    last: date,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> list[WeekDetail]:
    """Each week from ``first`` to ``last``: hours, threshold and the judged or carried state."""
    judgements = [
        judgement_of(row)
        for row in session.scalars(
            select(PupilWeek)
            .where(PupilWeek.pupil_id == pupil.id, PupilWeek.week_commencing <= last)
            .order_by(PupilWeek.week_commencing)
        )
    ]
    records: dict[date, list[ProvisionRecord]] = defaultdict(list)
    for record in session.scalars(
        select(ProvisionRecord)
        .where(
            ProvisionRecord.pupil_id == pupil.id,
            ProvisionRecord.week_commencing.between(first, last),
        )
        .order_by(ProvisionRecord.provider_id)
    ):
        records[record.week_commencing].append(record)
    totals = weekly_totals(
        (week, record.hours) for week, week_records in records.items() for record in week_records
    )

    details = []
    latest: WeekJudgement | None = None
    week = first
    while week <= last:
        while judgements and judgements[0].week_commencing <= week:
            latest = judgements.pop(0)
        status = status_as_at(week, latest, full_time_hours=full_time_hours, calendar=calendar)
        week_records = records.get(week, [])
        details.append(
            WeekDetail(
                week_commencing=week,
                term_week=calendar.is_term_week(week),
                school_days=calendar.school_days(week),
                threshold_hours=threshold_for(
                    week, full_time_hours=full_time_hours, calendar=calendar
                ),
                reported=bool(week_records),
                total_hours=totals.get(week),
                below_threshold=status.below_threshold,
                weeks_below=status.weeks_below,
                providers=[
                    ProviderHours(
                        provider_id=r.provider_id, hours=r.hours, provision_type=r.provision_type
                    )
                    for r in week_records
                    if sees_provider_detail(principal, r.provider_id)
                ],
            )
        )
        week += WEEK
    return details
