"""The statutory and good-practice alert rules, each a query over the register as at a week."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import chain

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.alerts.schemas import AlertRule
from app.config import Settings
from app.models import Provider, Provision, ProvisionRecord, PupilWeek
from app.register.queries import in_status_week, on_register_as_at, open_in, state_as_at
from app.register.rules import WEEK, SchoolCalendar, monday_of

# Kinds of provider that keep an admission register: a child with one of them is on a roll.
ROLL_KEEPING_KINDS = ("school", "pru")


@dataclass(frozen=True)
class Finding:
    pupil_id: int
    rule: AlertRule
    reason: str
    since: date | None
    provider_ids: tuple[int, ...] = ()


def find_alerts(
    session: Session, *, as_at: date, calendar: SchoolCalendar, settings: Settings
) -> Iterator[Finding]:
    """Every finding of every rule as at the day, rule by rule, once per child and rule."""
    week = monday_of(as_at)
    findings = chain(
        _permanent_exclusions(session, as_at, week, calendar, settings),
        _long_runs(session, week, calendar, settings),
        _overdue_timetables(session, as_at, week),
        _no_returns(session, week, calendar, settings),
        _missed_days(session, as_at, week, calendar, settings),
        _no_school_on_roll(session, week),
        _whereabouts_unknown(session, week),
    )
    # Several providers' records can raise the same rule for one child: the first says it.
    seen: set[tuple[int, AlertRule]] = set()
    for finding in findings:
        if (finding.pupil_id, finding.rule) not in seen:
            seen.add((finding.pupil_id, finding.rule))
            yield finding


def _permanent_exclusions(
    session: Session, as_at: date, week: date, calendar: SchoolCalendar, settings: Settings
) -> Iterator[Finding]:
    rows = session.execute(
        select(PupilWeek.pupil_id, PupilWeek.total_hours, ProvisionRecord.exclusion_start_date)
        .join(ProvisionRecord, in_status_week())
        .where(
            on_register_as_at(week),
            PupilWeek.below_threshold,
            ProvisionRecord.exclusion_type == "permanent",
            ProvisionRecord.exclusion_start_date.is_not(None),
        )
    )
    day_number = settings.exclusion_provision_school_day
    for pupil_id, hours, excluded_from in rows:
        due = calendar.nth_school_day(excluded_from, day_number) if excluded_from else None
        if due is not None and due <= as_at:
            yield Finding(
                pupil_id,
                AlertRule.permanent_exclusion_not_full_time,
                f"Permanently excluded from {excluded_from}. The LA must arrange full-time "
                f"education from school day {day_number} ({due}), but the child has "
                f"{hours} hours a week. Arrange full-time provision.",
                due,
            )


def _long_runs(
    session: Session, week: date, calendar: SchoolCalendar, settings: Settings
) -> Iterator[Finding]:
    limit = settings.long_run_weeks
    began_by = calendar.term_week_ending(week, limit + 1)
    if began_by is None:
        return
    for pupil_id, since in session.execute(
        select(PupilWeek.pupil_id, PupilWeek.below_since).where(
            on_register_as_at(week), PupilWeek.below_threshold, PupilWeek.below_since <= began_by
        )
    ):
        if since is None:  # excluded by the query; keeps the type checker honest
            continue
        weeks = calendar.term_weeks(since, week)
        yield Finding(
            pupil_id,
            AlertRule.below_threshold_beyond_limit,
            f"Below full time for {weeks} term weeks since {since}, beyond the LA's limit of "
            f"{limit}. Review the arrangement with the aim of full-time education.",
            since,
        )


def _overdue_timetables(session: Session, as_at: date, week: date) -> Iterator[Finding]:
    rows = session.execute(
        select(
            PupilWeek.pupil_id,
            ProvisionRecord.provider_id,
            ProvisionRecord.timetable_review_date,
            ProvisionRecord.timetable_end_date,
        )
        .join(ProvisionRecord, in_status_week())
        .join(
            Provision,
            and_(
                Provision.pupil_id == ProvisionRecord.pupil_id,
                Provision.provider_id == ProvisionRecord.provider_id,
                open_in(week),
            ),
        )
        .where(
            on_register_as_at(week),
            PupilWeek.below_threshold,
            or_(
                ProvisionRecord.timetable_review_date < as_at,
                ProvisionRecord.timetable_end_date < as_at,
            ),
        )
    )
    for pupil_id, provider_id, review, end in rows:
        if end is not None and end < as_at:
            yield Finding(
                pupil_id,
                AlertRule.part_time_timetable_overdue,
                f"The part-time timetable with provider {provider_id} was agreed to end on "
                f"{end}, but the child is still below full time. Return them to full time "
                "or review the timetable formally.",
                end,
            )
        elif review is not None:
            yield Finding(
                pupil_id,
                AlertRule.part_time_timetable_overdue,
                f"The part-time timetable with provider {provider_id} was due for review on "
                f"{review}. Hold the review and record the new date.",
                review,
            )


def _no_returns(
    session: Session, week: date, calendar: SchoolCalendar, settings: Settings
) -> Iterator[Finding]:
    """Children on the register with an open provision whose provider has not returned."""
    weeks = settings.unreported_alert_weeks
    # Unreported for n term weeks exactly when the last return came before the n-th one back.
    cutoff = calendar.term_week_ending(week, weeks)
    if cutoff is None:
        return
    returned_by_then = (
        select(func.max(ProvisionRecord.week_commencing))
        .where(
            ProvisionRecord.pupil_id == Provision.pupil_id,
            ProvisionRecord.provider_id == Provision.provider_id,
            ProvisionRecord.week_commencing <= week,
        )
        .scalar_subquery()
    )
    # The arrangement's last record, unless the week asked about is before it.
    last = case((Provision.last_week <= week, Provision.last_week), else_=returned_by_then)
    late: dict[int, list[tuple[int, str, date]]] = defaultdict(list)
    for pupil_id, provider_id, name, last_return in session.execute(
        select(Provision.pupil_id, Provision.provider_id, Provider.name, last)
        .join(PupilWeek, PupilWeek.pupil_id == Provision.pupil_id)
        .join(Provider, Provider.id == Provision.provider_id)
        .where(on_register_as_at(week), open_in(week), last < cutoff)
        .order_by(Provision.pupil_id, Provision.provider_id)
    ):
        late[pupil_id].append((provider_id, name, last_return))
    for pupil_id, providers in late.items():
        missing = "; ".join(
            f"{name} ({provider_id}): {calendar.term_weeks(last_return + WEEK, week)} term weeks "
            f"since the week of {last_return}"
            for provider_id, name, last_return in providers
        )
        yield Finding(
            pupil_id,
            AlertRule.no_return,
            f"No hours received from {missing}. Their provision is open, so a return is due "
            "each term week: chase them, or record that the provision ended.",
            min(last_return for _, _, last_return in providers) + WEEK,
            tuple(provider_id for provider_id, _, _ in providers),
        )


def _missed_days(
    session: Session, as_at: date, week: date, calendar: SchoolCalendar, settings: Settings
) -> Iterator[Finding]:
    term = calendar.term_containing(as_at)
    # Without a calendar, the last 12 weeks stand in for the term.
    term_start = monday_of(term.start) if term else week - 11 * WEEK
    daily_hours = settings.full_time_hours / 5
    days = settings.missed_school_days_alert
    shortfall = func.sum(PupilWeek.threshold_hours - PupilWeek.total_hours)
    on_register = aliased(PupilWeek)
    for pupil_id, missed_hours in session.execute(
        select(PupilWeek.pupil_id, shortfall)
        .join(
            on_register,
            and_(
                on_register.pupil_id == PupilWeek.pupil_id,
                on_register.week_commencing <= week,
                or_(on_register.next_week.is_(None), on_register.next_week > week),
                on_register.exit_reason.is_(None),
            ),
        )
        .where(
            PupilWeek.week_commencing.between(term_start, week),
            PupilWeek.below_threshold,
        )
        .group_by(PupilWeek.pupil_id)
        .having(shortfall >= daily_hours * days)
    ):
        missed_days = Decimal(str(missed_hours)) / daily_hours
        yield Finding(
            pupil_id,
            AlertRule.missed_school_days,
            f"Missed the equivalent of {missed_days:.1f} school days of education this term "
            f"(since {term_start}), {days} or more. The LA must make sure suitable education "
            "is arranged.",
            term_start,
        )


def _no_school_on_roll(session: Session, week: date) -> Iterator[Finding]:
    on_roll = exists().where(
        in_status_week(),
        Provider.id == ProvisionRecord.provider_id,
        Provider.kind.in_(ROLL_KEEPING_KINDS),
    )
    for (pupil_id,) in session.execute(
        select(PupilWeek.pupil_id).where(on_register_as_at(week), ~on_roll)
    ):
        yield Finding(
            pupil_id,
            AlertRule.no_school_on_roll,
            "No school or PRU reported this child in the week of their last return. Check "
            "they are on a school roll, as every child should be.",
            None,
        )


# Exits that leave the LA not knowing where a child is being educated.
WHEREABOUTS_UNKNOWN = ("whereabouts_unknown", "removed_from_roll")


def _whereabouts_unknown(session: Session, week: date) -> Iterator[Finding]:
    for pupil_id, reason, left in session.execute(
        select(PupilWeek.pupil_id, PupilWeek.exit_reason, PupilWeek.left_register_on).where(
            state_as_at(week), PupilWeek.exit_reason.in_(WHEREABOUTS_UNKNOWN)
        )
    ):
        how = "Whereabouts unknown" if reason == "whereabouts_unknown" else "Removed from roll"
        yield Finding(
            pupil_id,
            AlertRule.whereabouts_unknown,
            f"{how} when the last provision ended on {left}: the child may be missing "
            "education. Make enquiries and record where they went (end the provision again "
            "with another reason).",
            left,
        )
