"""Read side: turn stored register weeks into each child's status as at a week."""

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.schemas import Principal
from app.models import (
    DateOfBirthConflict,
    Provider,
    ProvisionRecord,
    Pupil,
    PupilWeek,
    UpnChange,
)
from app.pupils.access import sees_names, sees_provider_detail
from app.register.rules import (
    FullTime,
    RegisterWeek,
    SchoolCalendar,
    Status,
    WeekJudgement,
    compulsory_school_age,
    status_as_at,
    year_group,
)
from app.register.schemas import DataQuality, NamedPupilStatus, ProviderHours, PupilStatus


def statuses(
    session: Session,
    *,
    principal: Principal,
    children: Sequence[tuple[Pupil, RegisterWeek | None]],
    week_commencing: date,
    full_time: FullTime,
    calendar: SchoolCalendar,
    with_names: bool = False,
) -> list[PupilStatus]:
    """Status of each child as at ``week_commencing``, with provider detail the caller may see."""
    judged = {pupil.id: latest for pupil, latest in children if isinstance(latest, WeekJudgement)}
    providers = _provider_hours(session, judged, principal)
    reported_in_run = _reported_weeks_in_run(session, judged, week_commencing)
    last_reported = _last_reported_weeks(
        session, [pupil.id for pupil, _ in children if pupil.id not in judged], week_commencing
    )
    conflicts = date_of_birth_conflicts(session, [pupil.id for pupil, _ in children])
    earlier = previous_upns(session, [pupil.id for pupil, _ in children])
    named = with_names and sees_names(principal)
    result = []
    for pupil, latest in children:
        status = status_as_at(
            week_commencing,
            latest,
            full_time_hours=full_time.default,
            calendar=calendar,
            full_time=full_time.of(pupil.date_of_birth),
        )
        if not status.on_register:
            status = replace(status, last_reported_week=last_reported.get(pupil.id))
        result.append(
            present_status(
                pupil,
                status,
                term_week=calendar.is_term_week(week_commencing),
                providers=providers.get(pupil.id, []),
                reported_in_run=reported_in_run.get(pupil.id, 0),
                date_of_birth_conflicts=conflicts.get(pupil.id, 0),
                previous=earlier.get(pupil.id, []),
                named=named,
            )
        )
    return result


def present_status(
    pupil: Pupil,
    status: Status,
    *,
    term_week: bool,
    providers: list[ProviderHours],
    reported_in_run: int,
    date_of_birth_conflicts: int,
    previous: list[str],
    named: bool,
) -> PupilStatus:
    """A child's status as the API shows it; names only where ``named``."""
    fields = {
        "upn": pupil.upn,
        "previous_upns": previous,
        "date_of_birth": pupil.date_of_birth,
        "week_commencing": status.week_commencing,
        "term_week": term_week,
        "on_register": status.on_register,
        "left_register_on": status.left_register_on,
        "exit_reason": status.exit_reason,
        "compulsory_school_age_ends": compulsory_school_age(pupil.date_of_birth).ends,
        "year_group": year_group(pupil.date_of_birth, status.week_commencing),
        "total_hours": status.total_hours,
        "threshold_hours": status.threshold_hours,
        "hours_received": status.hours_received,
        "school_days_missed_this_year": status.school_days_missed_this_year,
        "below_threshold": status.below_threshold,
        "weeks_below": status.weeks_below,
        "below_since": status.below_since,
        "last_reported_week": status.last_reported_week,
        "providers": providers,
        "data_quality": DataQuality(
            unreported_weeks=status.unreported_weeks,
            unreported_weeks_in_run=status.weeks_below - reported_in_run,
            temporary_upn=pupil.temporary_upn,
            date_of_birth_conflicts=date_of_birth_conflicts,
        ),
    }
    if named:
        return NamedPupilStatus(
            **fields, given_name=pupil.given_name, family_name=pupil.family_name
        )
    return PupilStatus(**fields)


def date_of_birth_conflicts(session: Session, pupil_ids: Collection[int]) -> dict[int, int]:
    """How many records each child's UPN was rejected in for another date of birth."""
    return dict(
        session.execute(
            select(DateOfBirthConflict.pupil_id, func.count())
            .where(DateOfBirthConflict.pupil_id.in_(pupil_ids))
            .group_by(DateOfBirthConflict.pupil_id)
        ).all()
    )


def _provider_hours(
    session: Session, judged: dict[int, WeekJudgement], principal: Principal
) -> dict[int, list[ProviderHours]]:
    """Each child's providers in the week their status rests on."""
    if not judged:
        return {}
    weeks = {latest.week_commencing for latest in judged.values()}
    rows = session.execute(
        select(ProvisionRecord, Provider.name)
        .join(Provider, Provider.id == ProvisionRecord.provider_id)
        .where(ProvisionRecord.pupil_id.in_(judged), ProvisionRecord.week_commencing.in_(weeks))
        .order_by(ProvisionRecord.pupil_id, ProvisionRecord.provider_id)
    )
    by_pupil: dict[int, list[ProviderHours]] = defaultdict(list)
    for record, name in rows:
        if record.week_commencing == judged[
            record.pupil_id
        ].week_commencing and sees_provider_detail(principal, record.provider_id):
            by_pupil[record.pupil_id].append(provider_entry(record.provider_id, name, record))
    return by_pupil


# What a status shows of each provider's record (besides who the provider is).
ENTRY_FIELDS = (
    "hours",
    "provision_type",
    "reasons",
    "hours_attended",
    "timetable_review_date",
    "timetable_end_date",
    "parent_agreed_on",
)


def provider_entry(
    provider_id: int, provider_name: str, record: ProvisionRecord | Mapping[str, Any]
) -> ProviderHours:
    """A provider's record as a status shows it: a stored record, or a version's details."""
    fields = (
        record
        if isinstance(record, Mapping)
        else {name: getattr(record, name) for name in ENTRY_FIELDS}
    )
    return ProviderHours(
        provider_id=provider_id,
        provider_name=provider_name,
        **{name: fields.get(name) for name in ENTRY_FIELDS},
    )


def provider_names(session: Session, provider_ids: Collection[int]) -> dict[int, str]:
    """Each provider's name."""
    return dict(
        session.execute(
            select(Provider.id, Provider.name).where(Provider.id.in_(list(provider_ids)))
        ).all()
    )


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


def _last_reported_weeks(
    session: Session, pupil_ids: Collection[int], week_commencing: date
) -> dict[int, date]:
    """The last week any provider reported for each child off the register, up to the week."""
    if not pupil_ids:
        return {}
    return dict(
        session.execute(
            select(ProvisionRecord.pupil_id, func.max(ProvisionRecord.week_commencing))
            .where(
                ProvisionRecord.pupil_id.in_(pupil_ids),
                ProvisionRecord.week_commencing <= week_commencing,
            )
            .group_by(ProvisionRecord.pupil_id)
        ).all()
    )


def previous_upns(session: Session, pupil_ids: Collection[int]) -> dict[int, list[str]]:
    """Each child's earlier UPNs, oldest first (including those of children merged into it)."""
    owner = func.coalesce(Pupil.merged_into, Pupil.id)
    found: dict[int, list[str]] = {}
    for pupil_id, old_upn in session.execute(
        select(owner, UpnChange.old_upn)
        .join(Pupil, Pupil.id == UpnChange.pupil_id)
        .where(owner.in_(list(pupil_ids)))
        .order_by(UpnChange.id)
    ):
        found.setdefault(pupil_id, []).append(old_upn)
    return found
