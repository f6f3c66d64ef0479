"""Read side: turn stored judgements into each child's status as at a week."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.schemas import Principal
from app.models import DateOfBirthConflict, ProvisionRecord, Pupil, PupilWeek
from app.pupils.access import sees_names, sees_provider_detail
from app.register.rules import SchoolCalendar, WeekJudgement, status_as_at
from app.register.schemas import DataQuality, NamedPupilStatus, ProviderHours, PupilStatus


def statuses(
    session: Session,
    *,
    principal: Principal,
    children: Sequence[tuple[Pupil, WeekJudgement | None]],
    week_commencing: date,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
    with_names: bool = False,
) -> list[PupilStatus]:
    """Status of each child as at ``week_commencing``, with provider detail the caller may see."""
    pupil_ids = [pupil.id for pupil, _ in children]
    judged = {pupil.id: latest for pupil, latest in children if latest is not None}
    providers = _provider_hours(session, judged, principal)
    reported_in_run = _reported_weeks_in_run(session, judged, week_commencing)
    conflicts = dict(
        session.execute(
            select(DateOfBirthConflict.pupil_id, func.count())
            .where(DateOfBirthConflict.pupil_id.in_(pupil_ids))
            .group_by(DateOfBirthConflict.pupil_id)
        ).all()
    )
    named = with_names and sees_names(principal)
    result: list[PupilStatus] = []
    for pupil, latest in children:
        status = status_as_at(
            week_commencing, latest, full_time_hours=full_time_hours, calendar=calendar
        )
        fields = {
            "upn": pupil.upn,
            "date_of_birth": pupil.date_of_birth,
            "week_commencing": week_commencing,
            "term_week": calendar.is_term_week(week_commencing),
            "total_hours": status.total_hours,
            "threshold_hours": status.threshold_hours,
            "below_threshold": status.below_threshold,
            "weeks_below": status.weeks_below,
            "below_since": status.below_since,
            "last_reported_week": status.last_reported_week,
            "providers": providers.get(pupil.id, []),
            "data_quality": DataQuality(
                unreported_weeks=status.unreported_weeks,
                unreported_weeks_in_run=status.weeks_below - reported_in_run.get(pupil.id, 0),
                temporary_upn=pupil.temporary_upn,
                date_of_birth_conflicts=conflicts.get(pupil.id, 0),
            ),
        }
        if named:
            result.append(
                NamedPupilStatus(
                    **fields, given_name=pupil.given_name, family_name=pupil.family_name
                )
            )
        else:
            result.append(PupilStatus(**fields))
    return result


def _provider_hours(
    session: Session, judged: dict[int, WeekJudgement], principal: Principal
) -> dict[int, list[ProviderHours]]:
    """Each child's providers in the week their status rests on."""
    if not judged:
        return {}
    weeks = {latest.week_commencing for latest in judged.values()}
    rows = session.execute(
        select(
            ProvisionRecord.pupil_id,
            ProvisionRecord.week_commencing,
            ProvisionRecord.provider_id,
            ProvisionRecord.hours,
            ProvisionRecord.provision_type,
        )
        .where(ProvisionRecord.pupil_id.in_(judged), ProvisionRecord.week_commencing.in_(weeks))
        .order_by(ProvisionRecord.pupil_id, ProvisionRecord.provider_id)
    )
    by_pupil: dict[int, list[ProviderHours]] = defaultdict(list)
    for pupil_id, week, provider_id, hours, provision_type in rows:
        if week == judged[pupil_id].week_commencing and sees_provider_detail(
            principal, provider_id
        ):
            by_pupil[pupil_id].append(
                ProviderHours(provider_id=provider_id, hours=hours, provision_type=provision_type)
            )
    return by_pupil


def _reported_weeks_in_run(
    session: Session, judged: dict[int, WeekJudgement], week_commencing: date
) -> dict[int, int]:
    """How many weeks of each child's current run have a return (the rest were carried)."""
    runs = {
        pupil_id: latest.below_since
        for pupil_id, latest in judged.items()
        if latest.below_threshold and latest.below_since is not None
    }
    if not runs:
        return {}
    counts: dict[int, int] = defaultdict(int)
    for pupil_id, week in session.execute(
        select(PupilWeek.pupil_id, PupilWeek.week_commencing).where(
            PupilWeek.pupil_id.in_(runs),
            PupilWeek.week_commencing >= min(runs.values()),
            PupilWeek.week_commencing <= week_commencing,
        )
    ):
        counts[pupil_id] += week >= runs[pupil_id]
    return counts
