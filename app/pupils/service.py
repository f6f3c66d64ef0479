"""Finding a child the caller may read, their week-by-week view, and their status as known at
a moment."""

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from app.auth.schemas import Principal
from app.errors import NotFound
from app.history.service import known_at
from app.models import DateOfBirthConflict, ProvisionRecord, Pupil, PupilWeek, UpnChange
from app.pupils.access import (
    readable_pupil_ids,
    sees_names,
    sees_provider_detail,
)
from app.pupils.schemas import WeekDetail
from app.register.rules import (
    WEEK,
    RegisterWeek,
    SchoolCalendar,
    WeekJudgement,
    compulsory_school_age,
    judge_register,
    provision_arrangements,
    status_as_at,
    threshold_for,
    weekly_totals,
)
from app.register.schemas import ProviderHours, PupilStatus
from app.register.service import register_week_of
from app.register.status import present_status, previous_upns


def readable_pupil(
    session: Session,
    *,
    principal: Principal,
    upn: str,
    lock: bool = False,
    seen: set[int] | None = None,
) -> Pupil:
    """The child with this UPN (or who had it before a UPN change) if the caller may read them;
    otherwise 404, never 403, so a provider cannot learn who else is on the register. ``seen``
    collects the children found, readable or not, for the audit trail. ``lock`` holds the
    child's row until the transaction ends, as every write to a child's records does."""
    for pupil_id in (_now_at(upn), _formerly_at(upn)):
        query = select(Pupil).where(Pupil.id == pupil_id)
        pupil = session.scalar(query.with_for_update() if lock else query)
        if pupil is None:
            continue
        if seen is not None:
            seen.add(pupil.id)
        if readable_pupil_ids(session, principal, [pupil.id]):
            return pupil
    raise NotFound(f"No child with UPN {upn} that you may see.")


def _now_at(upn: str) -> ScalarSelect[int]:
    """The child at a UPN, or the one it was merged into by a UPN change."""
    there = aliased(Pupil)
    return (
        select(func.coalesce(there.merged_into, there.id)).where(there.upn == upn).scalar_subquery()
    )


def _formerly_at(upn: str) -> ScalarSelect[int]:
    """The child whose UPN this was before its latest change away from it."""
    there = aliased(Pupil)
    return (
        select(func.coalesce(there.merged_into, there.id))
        .join(UpnChange, UpnChange.pupil_id == there.id)
        .where(UpnChange.old_upn == upn)
        .order_by(UpnChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def current_upn(pupil_id: InstrumentedAttribute[int]) -> ScalarSelect[str]:
    """A child's UPN now: its own, or that of the child a UPN change merged it into."""
    child, owner = aliased(Pupil), aliased(Pupil)
    return (
        select(func.coalesce(owner.upn, child.upn))
        .select_from(child)
        .outerjoin(owner, owner.id == child.merged_into)
        .where(child.id == pupil_id)
        .scalar_subquery()
    )


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
        register_week_of(row)
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
    latest: RegisterWeek | None = None
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
                on_register=status.on_register,
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


def status_known_at(
    session: Session,
    *,
    principal: Principal,
    pupil: Pupil,
    week_commencing: date,
    moment: datetime,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> PupilStatus:
    """The child's status as at a week as the register knew it at ``moment``: the pure core
    over the versions recorded by then (what a safeguarding review asks)."""
    known = known_at(session, pupil_id=pupil.id, moment=moment)
    judged = [
        week
        for week in judge_register(
            weekly_totals(known.hours()),
            provision_arrangements(known.records, known.ends),
            school_age=compulsory_school_age(pupil.date_of_birth),
            full_time_hours=full_time_hours,
            calendar=calendar,
        )
        if week.week_commencing <= week_commencing
    ]
    latest = judged[-1] if judged else None
    status = status_as_at(
        week_commencing, latest, full_time_hours=full_time_hours, calendar=calendar
    )
    providers, reported_in_run = [], 0
    if isinstance(latest, WeekJudgement):
        providers = [
            ProviderHours(
                provider_id=provider_id,
                hours=Decimal(details["hours"]),
                provision_type=details["provision_type"],
            )
            for (provider_id, week), details in sorted(known.records.items())
            if week == latest.week_commencing and sees_provider_detail(principal, provider_id)
        ]
        reported_in_run = sum(
            isinstance(week, WeekJudgement) and week.week_commencing >= status.below_since
            for week in judged
            if status.below_since is not None
        )
    else:
        reported = [week for _, week in known.records if week <= week_commencing]
        status = replace(status, last_reported_week=max(reported, default=None))
    conflicts = session.scalar(
        select(func.count()).where(
            DateOfBirthConflict.pupil_id == pupil.id, DateOfBirthConflict.seen_at <= moment
        )
    )
    return present_status(
        pupil,
        status,
        term_week=calendar.is_term_week(week_commencing),
        providers=providers,
        reported_in_run=reported_in_run,
        date_of_birth_conflicts=conflicts or 0,
        previous=previous_upns(session, [pupil.id]).get(pupil.id, []),
        named=sees_names(principal),
    )
