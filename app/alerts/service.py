"""The statutory and good-practice alert rules as at a day: a count for every rule, and the
children each rule finds, longest-standing first, read from the register's derived state."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache, partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from app.alerts.schemas import Alert, AlertList, AlertRule, LateReturn, NamedProvider
from app.config import Settings
from app.models import (
    CurrentState,
    CurrentTimetable,
    DateOfBirthConflict,
    Provider,
    Provision,
    ProvisionRecord,
    ProvisionVersion,
    Pupil,
    PupilWeek,
    Revision,
)
from app.register.current import answers_for
from app.register.facts import REASONS
from app.register.queries import (
    in_status_week,
    monday_after,
    open_in,
    register_halves,
    state_as_at,
)
from app.register.rules import (
    WEEK,
    FullTimeHours,
    SchoolCalendar,
    WeekJudgement,
    missed_as_at,
    monday_of,
    school_year_starts,
    status_as_at,
    week_missed_reached,
)
from app.register.service import (
    JUDGEMENT_COLUMNS,
    latest_register_weeks,
    load_calendar,
    register_week_of,
)
from app.register.status import provider_names
from app.register.timetables import latest_end_by, part_time
from app.returns.service import last_week_due, late_providers
from app.vocabulary import WHEREABOUTS_UNKNOWN, Reason

UNKNOWN: dict[str, str] = dict(
    zip(WHEREABOUTS_UNKNOWN, ("Whereabouts unknown", "Removed from roll"), strict=True)
)


@dataclass(frozen=True)
class Finding:
    pupil_id: int
    rule: AlertRule
    reason: str
    since: date | None
    provider_ids: tuple[int, ...] = ()


# A grouped rule's finding before it is written out: its urgency (since, child), and how to
# write it (only the findings listed are; the rest are counted).
Pending = tuple[tuple[date, int], Callable[[], Finding]]


@dataclass(frozen=True)
class Alerts:
    counts: dict[AlertRule, int]
    findings: list[Finding]  # rule by rule, longest-standing first, at most the limit


def find_alerts(
    session: Session,
    *,
    as_at: date,
    calendar: SchoolCalendar,
    settings: Settings,
    rules: Sequence[AlertRule],
    limit: int,
    weekly: bool = False,
) -> Alerts:
    """How many children each rule finds as at the day, and the first ``limit`` findings
    (``weekly``: from the register weeks, even where the current states answer)."""
    source = _source(session, as_at, settings, weekly=weekly)
    checks = _Checks(session, as_at, calendar, settings, source)
    counts = checks.counts(rules, page=limit)
    findings: list[Finding] = []
    for rule in rules:
        if counts[rule] and len(findings) < limit:
            findings += checks.first(rule, limit - len(findings))
    return Alerts(counts, findings)


def alerts_for_child(
    session: Session, *, pupil_id: int, as_at: date, calendar: SchoolCalendar, settings: Settings
) -> list[Finding]:
    """The alerts one child is on as at the day (a child's page)."""
    source = _source(session, as_at, settings)
    return _Checks(session, as_at, calendar, settings, source, child=pupil_id).for_child()


@dataclass(frozen=True)
class Listed:
    """The alert list as shown, and the children whose records it reveals (for the audit)."""

    alerts: AlertList
    pupil_ids: list[int]


def alert_list(
    session: Session, *, as_at: date, rule: AlertRule | None, limit: int, settings: Settings
) -> Listed:
    """Every rule's count as at the day, the first ``limit`` alerts (of one rule, or all)
    with each child's status, and the providers late with the last term week's return that
    is past due."""
    week = monday_of(as_at)
    calendar = load_calendar(session)
    rules = [rule] if rule else list(AlertRule)
    found = find_alerts(
        session,
        as_at=as_at,
        calendar=calendar,
        settings=settings,
        rules=[r for r in rules if r is not AlertRule.provider_return_missing],
        limit=limit,
    )
    # Providers, not children: late with the last term week whose return is past due.
    owed = last_week_due(as_at, calendar=calendar, working_days=settings.return_due_days)
    late = (
        late_providers(session, week_commencing=owed, calendar=calendar)
        if owed and AlertRule.provider_return_missing in rules
        else []
    )
    shown = found.findings
    pupil_ids = sorted({finding.pupil_id for finding in shown})
    pupils = dict(session.execute(select(Pupil.id, Pupil.upn).where(Pupil.id.in_(pupil_ids))).all())
    latest = latest_register_weeks(session, pupil_ids=pupil_ids, on_or_before=week)
    names = provider_names(session, {p for finding in shown for p in finding.provider_ids})
    items = []
    for finding in shown:
        status = status_as_at(
            week,
            latest.get(finding.pupil_id),
            full_time_hours=settings.full_time_hours,
            calendar=calendar,
        )
        items.append(
            Alert(
                upn=pupils[finding.pupil_id],
                rule=finding.rule,
                reason=finding.reason,
                since=finding.since,
                provider_ids=list(finding.provider_ids),
                providers=[
                    NamedProvider(provider_id=p, provider_name=names[p])
                    for p in finding.provider_ids
                ],
                total_hours=status.total_hours,
                below_threshold=status.below_threshold,
                weeks_below=status.weeks_below,
                last_reported_week=status.last_reported_week,
            )
        )
    alerts = AlertList(
        week_commencing=week,
        counts={r: found.counts.get(r, 0) for r in AlertRule}
        | {AlertRule.provider_return_missing: len(late)},
        items=items,
        late_returns=[
            LateReturn(
                provider_id=line.provider_id,
                provider_name=line.provider_name,
                week_commencing=owed,
                children_due=line.children_due,
                reason=f"No return for the week of {owed} for {line.children_due} "
                f"child{'ren' * (line.children_due != 1)} whose provision is open: chase the "
                "provider, or record the end of provision.",
            )
            for line in late
            if owed
        ],
        truncated=sum(found.counts.values()) > len(shown),
    )
    return Listed(alerts=alerts, pupil_ids=pupil_ids)


@dataclass(frozen=True)
class _Source:
    """Where each child's state as at the week is read: their current state (for this week or
    a later one), or their register weeks (for an earlier week). The two have the same
    columns, so every rule is written once."""

    state: Any  # CurrentState or PupilWeek
    on_register: tuple[ColumnElement[bool], ...]  # each part served by an index
    left: ColumnElement[bool]  # off the register, by the exit in ``exit_reason``
    current: bool


def _source(session: Session, as_at: date, settings: Settings, *, weekly: bool = False) -> _Source:
    week = monday_of(as_at)
    if not weekly and answers_for(session, week, alert_days=settings.missed_school_days_alert):
        return _Source(
            CurrentState,
            (CurrentState.left_week.is_(None), CurrentState.left_week > week),
            CurrentState.left_week <= week,
            current=True,
        )
    left = and_(state_as_at(week), PupilWeek.exit_reason.is_not(None))
    return _Source(PupilWeek, register_halves(week), left, current=False)


@dataclass(frozen=True)
class _OnState:
    """A rule over each child's state as at the week: which children, since when (the
    column the list is ordered by), and why (for the rows listed, read together); of children
    on the register, or (``left``) of those who left it."""

    condition: ColumnElement[bool]
    order: tuple[Any, ...]
    findings: Callable[[Sequence[Any]], list[Finding]]
    left: bool = False


def _each(reason: Callable[[Any], Finding]) -> Callable[[Sequence[Any]], list[Finding]]:
    return lambda rows: [reason(row) for row in rows]


@dataclass(frozen=True)
class _Timetabled:
    """A part-time timetable rule over the status week's records of open provisions (the
    columns of ``_Checks._timetables``): which records, since when, and why."""

    condition: Callable[[Any], ColumnElement[bool]]
    since: Callable[[Any], ColumnElement[date]]
    finding: Callable[[Any], Finding]


# A paged rule's count, and the first children it finds (a row each, most urgent first).
Page = tuple[int, list[Any]]


class _Checks:
    def __init__(
        self,
        session: Session,
        as_at: date,
        calendar: SchoolCalendar,
        settings: Settings,
        source: _Source,
        *,
        child: int | None = None,
    ) -> None:
        """``child``: every rule asks about that child alone."""
        self.session, self.as_at, self.calendar, self.settings = session, as_at, calendar, settings
        self.child = child
        self.source, self.state = source, source.state
        self.week = monday_of(as_at)
        # What a finding says of a child's state: in the index each source reads.
        state = self.state
        self.listed = (
            state.pupil_id,
            state.week_commencing,
            state.below_since,
            state.total_hours,
            state.excluded_from,
            state.suspended_from,
            state.suspensions,
            state.exit_reason,
            state.left_register_on,
            *((state.missed_since,) if source.current else ()),
        )
        self.on_state = self._state_rules()
        self.grouped = self._grouped_rules()
        self.timetabled = self._timetable_rules()
        # Rules counted and listed a page at a time by one statement each: how each row listed
        # is written.
        self.paged: dict[AlertRule, Callable[[Any], Finding]] = {
            rule: check.finding for rule, check in self.timetabled.items()
        } | {AlertRule.no_return: self._no_return}
        self.found: dict[AlertRule, list[Pending]] = {}
        self.pages: dict[AlertRule, Page] = {}
        # Term weeks from a week to this one: asked for each provider late with a return.
        self.term_weeks_since = cache(lambda start: calendar.term_weeks(start, self.week))

    def counts(self, rules: Sequence[AlertRule], *, page: int) -> dict[AlertRule, int]:
        """Each rule's count. The rules over each child's state are counted in one pass over
        the children on the register and one over those who left; the timetable rules in one
        statement, which also keeps each one's first ``page`` findings."""
        counts = dict.fromkeys(rules, 0)
        for left in (False, True):
            judged = [r for r in rules if r in self.on_state and self.on_state[r].left is left]
            conditions = [self.on_state[rule].condition for rule in judged]
            # A rule counted alone (whereabouts unknown, of those who left) is a condition of
            # the scan, which a partial index can then answer.
            alone = conditions if len(judged) == 1 else []
            for part in self._parts(left) if judged else ():
                row = self.session.execute(
                    select(*(func.count().filter(c) for c in conditions)).where(part, *alone)
                ).one()
                for rule, count in zip(judged, row, strict=True):
                    counts[rule] += count
        for rule in rules:
            if rule in self.grouped:
                counts[rule] += len(self._grouped(rule))
        self.pages = self._pages([r for r in rules if r in self.paged], page=page)
        for rule, (found, _) in self.pages.items():
            counts[rule] += found
        return counts

    def first(self, rule: AlertRule, limit: int) -> list[Finding]:
        """The rule's first ``limit`` findings, longest-standing first."""
        grouped = self._grouped(rule)[:limit] if rule in self.grouped else []
        findings = [write() for _, write in grouped]
        if rule in self.pages:
            findings += [self.paged[rule](row) for row in self.pages[rule][1][:limit]]
        if rule in self.on_state:
            check = self.on_state[rule]
            findings += check.findings(
                [
                    row
                    for part in self._parts(check.left)
                    for row in self.session.execute(
                        select(*self.listed)
                        .where(part, check.condition)
                        .order_by(*check.order)
                        .limit(limit)
                    )
                ]
            )
        return sorted(findings, key=_urgency)[:limit]

    def for_child(self) -> list[Finding]:
        """Every rule's findings for the one child asked about (an index probe each for rules
        over states)."""
        findings = []
        for check in self.on_state.values():
            findings += check.findings(
                [
                    row
                    for part in self._parts(check.left)
                    for row in self.session.execute(
                        select(*self.listed).where(
                            part, check.condition, *self._only(self.state.pupil_id)
                        )
                    )
                ]
            )
        for rule in self.grouped:
            findings += [write() for _, write in self._grouped(rule)]
        for rule, (_, rows) in self._pages(list(self.paged)).items():
            findings += [self.paged[rule](row) for row in rows]
        return findings

    def _pages(
        self, rules: Sequence[AlertRule], *, page: int | None = None
    ) -> dict[AlertRule, Page]:
        """The paged rules' counts and first ``page`` findings (or all)."""
        pages = self._timetables([r for r in rules if r in self.timetabled], page=page)
        if AlertRule.no_return in rules:
            pages[AlertRule.no_return] = self._late_returns(page=page)
        return pages

    def _parts(self, left: bool) -> tuple[ColumnElement[bool], ...]:
        """The children a rule over states reads, each part served by an index: those on the
        register, or those who left it."""
        return (self.source.left,) if left else self.source.on_register

    def _only(self, pupil_id: Any) -> list[ColumnElement[bool]]:
        """The condition that a rule's rows are of the child asked about, if one is."""
        return [] if self.child is None else [pupil_id == self.child]

    def _state_rules(self) -> dict[AlertRule, _OnState]:
        settings, calendar, week, state = self.settings, self.calendar, self.week, self.state
        rules = {}
        # Full-time provision is due from the n-th school day of a permanent exclusion: so for
        # exclusions that began by the n-th school day counting back from today.
        day = settings.exclusion_provision_school_day
        excluded_by = calendar.nth_school_day(self.as_at, day, step=-1)
        if excluded_by is not None:
            rules[AlertRule.permanent_exclusion_not_full_time] = _OnState(
                and_(state.below_threshold, state.excluded_from <= excluded_by),
                (state.excluded_from, state.pupil_id),
                _each(self._excluded),
            )
            # Rule 12: a suspension, as a permanent exclusion, from the same school day.
            rules[AlertRule.suspension_not_full_time] = _OnState(
                and_(state.below_threshold, state.suspended_from <= excluded_by),
                (state.suspended_from, state.pupil_id),
                _each(self._suspended),
            )
        limit = settings.long_run_weeks
        began_by = calendar.term_week_ending(week, limit + 1)
        if began_by is not None:
            rules[AlertRule.below_threshold_beyond_limit] = _OnState(
                and_(state.below_threshold, state.below_since <= began_by),
                (state.below_since, state.pupil_id),
                _each(self._long_run),
            )
        rules[AlertRule.implausible_hours] = _OnState(
            state.total_hours > settings.max_weekly_hours,
            (state.week_commencing, state.pupil_id),
            _each(self._implausible),
        )
        rules[AlertRule.no_school_on_roll] = _OnState(
            ~state.on_roll, (state.pupil_id,), _each(self._no_school_on_roll)
        )
        # Left with their whereabouts unknown: an alert until a destination is recorded.
        rules[AlertRule.whereabouts_unknown] = _OnState(
            state.exit_reason.in_(UNKNOWN),
            (state.left_register_on, state.pupil_id),
            _each(self._unknown),
            left=True,
        )
        if self.source.current:
            # Rule 11 from the week kept with each state of this school year; states carried
            # from an earlier year are judged apart (_grouped_rules).
            rules[AlertRule.missed_school_days] = _OnState(
                and_(
                    state.missed_since <= week,
                    state.week_commencing >= school_year_starts(week),
                ),
                (state.missed_since, state.pupil_id),
                self._missed_since,
            )
        return rules

    def _grouped_rules(self) -> dict[AlertRule, Callable[[], list[Pending]]]:
        """Rules whose findings come from more than a child's state, found in full (one per
        child, the longest-standing)."""
        return {
            AlertRule.missed_school_days: self._missed_school_days,
            AlertRule.date_of_birth_conflict: self._date_of_birth_conflicts,
        }

    def _excluded(self, row: Any) -> Finding:
        day = self.settings.exclusion_provision_school_day
        due = self.calendar.nth_school_day(row.excluded_from, day) if row.excluded_from else None
        return Finding(
            row.pupil_id,
            AlertRule.permanent_exclusion_not_full_time,
            f"Permanently excluded from {row.excluded_from}. The LA must arrange full-time "
            f"education from school day {day} ({due}), but the child has {row.total_hours} "
            "hours a week. Arrange full-time provision.",
            due,
        )

    def _long_run(self, row: Any) -> Finding:
        assert row.below_since is not None
        weeks = self.calendar.term_weeks(row.below_since, self.week)
        return Finding(
            row.pupil_id,
            AlertRule.below_threshold_beyond_limit,
            f"Below full time for {weeks} term weeks since {row.below_since}, beyond the LA's "
            f"limit of {self.settings.long_run_weeks}. Review the arrangement with the aim of "
            "full-time education.",
            row.below_since,
        )

    def _suspended(self, row: Any) -> Finding:
        day = self.settings.exclusion_provision_school_day
        assert row.suspended_from is not None
        due = self.calendar.nth_school_day(row.suspended_from, day)
        return Finding(
            row.pupil_id,
            AlertRule.suspension_not_full_time,
            f"Suspended from {row.suspended_from}. Full-time education is due from school day "
            f"{day} of a suspension ({due}), but the child has {row.total_hours} hours a week. "
            "Arrange full-time provision.",
            due,
            tuple(sorted({provider_id for provider_id, _ in row.suspensions})),
        )

    def _implausible(self, row: Any) -> Finding:
        return Finding(
            row.pupil_id,
            AlertRule.implausible_hours,
            f"The week of {row.week_commencing} adds up to {row.total_hours} hours across "
            f"providers, more than {self.settings.max_weekly_hours}: a week cannot hold them. "
            "Ask the providers to correct their returns.",
            row.week_commencing,
        )

    def _no_school_on_roll(self, row: Any) -> Finding:
        return Finding(
            row.pupil_id,
            AlertRule.no_school_on_roll,
            "No school or PRU reported this child in the week of their last return. Check "
            "they are on a school roll, as every child should be.",
            None,
        )

    def _grouped(self, rule: AlertRule) -> list[Pending]:
        """A grouped rule's findings, all of them, most urgent first (found once, for the count
        and the list)."""
        if rule not in self.found:
            self.found[rule] = sorted(self.grouped[rule](), key=lambda pending: pending[0])
        return self.found[rule]

    def _missed_school_days(self) -> list[Pending]:
        """Rule 11: school days missed this school year reached the LA's figure, judged from
        each child's state (for current states, only those carried from an earlier year)."""
        days = Decimal(self.settings.missed_school_days_alert)
        full_time = self.settings.full_time
        starts = school_year_starts(self.week)
        found = self._carried_missed(days)
        if self.source.current:
            return found
        # Only a child whose days missed grow, or have grown, can have reached it.
        missing = or_(
            PupilWeek.missed_days > 0,
            func.coalesce(PupilWeek.hours_received, PupilWeek.total_hours) < full_time.most,
        )
        # Children who reached it this school year: their full-time hours, latest judgement and
        # days missed (all, health needs).
        reached: dict[int, tuple[FullTimeHours, WeekJudgement, tuple[Decimal, Decimal]]] = {}
        for row in self._states_judged(missing, PupilWeek.week_commencing >= starts):
            full = full_time.of(row.date_of_birth)
            latest = register_week_of(row)
            assert isinstance(latest, WeekJudgement)
            so_far = self._missed_as_at(latest, full)
            if so_far[0] >= days:
                reached[row.pupil_id] = (full, latest, so_far)
        # Each child's judgements of this time on the register, read at once, give the week.
        # This school year's, and the one carried into it.
        judgements: dict[int, list[WeekJudgement]] = defaultdict(list)
        for row in self.session.execute(
            select(*JUDGEMENT_COLUMNS)
            .where(
                PupilWeek.pupil_id.in_(reached),
                PupilWeek.week_commencing <= self.week,
                or_(
                    PupilWeek.week_commencing >= starts,
                    PupilWeek.next_week >= starts,
                    PupilWeek.next_week.is_(None),
                ),
            )
            .order_by(PupilWeek.pupil_id, PupilWeek.week_commencing)
        ):
            week = register_week_of(row)
            if isinstance(week, WeekJudgement):
                if week.on_register_since != reached[row.pupil_id][1].on_register_since:
                    continue
                judgements[row.pupil_id].append(week)
        for pupil_id, (full, _, so_far) in reached.items():
            since = week_missed_reached(
                judgements[pupil_id],
                days,
                through=self.week,
                full_time=full,
                calendar=self.calendar,
            )
            write = partial(self._missed_days, pupil_id, *so_far, since)
            found.append(_pending(since, pupil_id, write))
        return found

    def _carried_missed(self, days: Decimal) -> list[Pending]:
        """Rule 11 for states carried whole from an earlier school year. Their days missed this
        year depend only on the hours received, the health flag and the child's full-time hours
        this year, which many children share: each is worked out once, from the judgement of
        the first child who has it."""
        full_time = self.settings.full_time
        received = func.coalesce(PupilWeek.hours_received, PupilWeek.total_hours)
        hours = cache(lambda born: full_time.hours(born, self.week))
        children: dict[tuple[Decimal, bool, Decimal], list[int]] = defaultdict(list)
        for row in self._states_judged(
            # Only a child who receives less than full time misses days.
            received < full_time.most,
            self.state.week_commencing < school_year_starts(self.week),
            columns=(PupilWeek.pupil_id, PupilWeek.health, received.label("received")),
        ):
            children[row.received, row.health, hours(row.date_of_birth)].append(row.pupil_id)
        first = {pupil_ids[0]: key for key, pupil_ids in children.items()}
        found = []
        for row in self._states_judged(PupilWeek.pupil_id.in_(first)) if first else ():
            latest = register_week_of(row)
            assert isinstance(latest, WeekJudgement)
            full = full_time.of(row.date_of_birth)
            missed, health = self._missed_as_at(latest, full)
            if missed < days:
                continue
            since = week_missed_reached(
                [latest], days, through=self.week, full_time=full, calendar=self.calendar
            )
            write = partial(self._missed_days, missed=missed, health=health, since=since)
            found += [_pending(since, i, partial(write, i)) for i in children[first[row.pupil_id]]]
        return found

    def _missed_as_at(
        self, latest: WeekJudgement, full_time: FullTimeHours
    ) -> tuple[Decimal, Decimal]:
        return missed_as_at(latest, self.week, full_time=full_time, calendar=self.calendar)

    def _missed_since(self, rows: Sequence[Any]) -> list[Finding]:
        """Rule 11 for current states listed: the week reached is kept with each state."""
        since = {row.pupil_id: row.missed_since for row in rows}
        findings = []
        for row in self._states_judged(PupilWeek.pupil_id.in_(since)):
            latest = register_week_of(row)
            assert isinstance(latest, WeekJudgement)
            missed = self._missed_as_at(latest, self.settings.full_time.of(row.date_of_birth))
            findings.append(self._missed_days(row.pupil_id, *missed, since[row.pupil_id]))
        return findings

    def _states_judged(
        self, *conditions: ColumnElement[bool], columns: Sequence[Any] = JUDGEMENT_COLUMNS
    ) -> Iterator[Any]:
        """The register week each state on the register rests on (``columns``) with the
        child's date of birth; of the child asked about, if one is."""
        query = select(*columns, Pupil.date_of_birth).join(Pupil, Pupil.id == PupilWeek.pupil_id)
        if self.source.current:
            query = query.join(CurrentState, in_status_week(CurrentState, PupilWeek))
        for part in self.source.on_register:
            yield from self.session.execute(
                query.where(part, *conditions, *self._only(self.state.pupil_id))
            )

    def _missed_days(
        self, pupil_id: int, missed: Decimal, health: Decimal, since: date | None
    ) -> Finding:
        days = self.settings.missed_school_days_alert
        return Finding(
            pupil_id,
            AlertRule.missed_school_days,
            f"Missed the equivalent of {missed:.1f} school days this school year (since 1 "
            f"September {school_year_starts(self.week).year}), {days} or more, consecutive or "
            f"not; {health:.1f} of them in weeks given for medical or mental health needs. Reached "
            f"in the week of {since}. The LA must make sure suitable education is arranged.",
            since,
        )

    def _timetable_rules(self) -> dict[AlertRule, _Timetabled]:
        as_at = self.as_at
        return {
            # Below full time past a timetable's review or end date, while that provider's
            # provision is open: since the end date if that has passed, else the review date.
            AlertRule.part_time_timetable_overdue: _Timetabled(
                lambda t: and_(t.overdue, or_(t.review < as_at, t.end < as_at)),
                lambda t: case((t.end < as_at, t.end), else_=t.review),
                self._overdue,
            ),
            # Rule 13: the provider's current part-time timetable has no end date.
            AlertRule.part_time_timetable_without_limit: _Timetabled(
                lambda t: and_(t.part_time, t.end.is_(None)),
                lambda t: t.start_week,
                self._without_limit,
            ),
            # Rule 13: a part-time timetable still reported for weeks after the latest end date
            # that provider gave for the child.
            AlertRule.part_time_timetable_past_end: _Timetabled(
                lambda t: and_(t.part_time, t.week_commencing > t.latest_end),
                lambda t: monday_after(t.latest_end),
                self._past_end,
            ),
        }

    def _timetables(
        self, rules: Sequence[AlertRule], *, page: int | None = None
    ) -> dict[AlertRule, Page]:
        """Each timetable rule's count and first ``page`` findings (or all), in one
        statement. Each rule keeps a child's most urgent record (of equals, the lowest
        provider's), and ranks the children by it."""
        if not rules:
            return {}
        bit = 1 << REASONS.index(Reason.part_time_timetable)
        state = self.state
        overdue = and_(state.below_threshold, state.timetable_due < self.as_at)
        records = union_all(
            *(
                self._status_week_timetables(overdue).where(
                    part, or_(state.reasons.op("&")(bit) != 0, overdue), *self._only(state.pupil_id)
                )
                for part in self.source.on_register
            )
        ).cte("timetables")
        t = records.c
        found = union_all(
            *(
                select(
                    literal(rule.name).label("rule"),
                    *t,
                    self.timetabled[rule].since(t).label("since"),
                ).where(self.timetabled[rule].condition(t))
                for rule in rules
            )
        ).cte("found")
        f = found.c
        # Each child's most urgent date under each rule: grouped, not ranked, since sorting
        # every record was most of the statement (docs/PERFORMANCE.md).
        firsts = (
            select(f.rule, f.pupil_id, func.min(f.since).label("since"))
            .group_by(f.rule, f.pupil_id)
            .cte("firsts")
        )
        counted = (
            select(firsts.c.rule, func.count().label("found")).group_by(firsts.c.rule).subquery()
        )

        def first_of(rule: AlertRule) -> Select[Any]:
            """The children a rule lists: its first ``page`` (or all), by date then child."""
            of_rule = select(firsts).where(firsts.c.rule == rule.name)
            if page is None:
                return of_rule
            # SQLite takes a LIMIT in a compound select only from a subquery.
            return select(
                of_rule.order_by(firsts.c.since, firsts.c.pupil_id).limit(page).subquery()
            )

        listed = union_all(*(first_of(rule) for rule in rules)).subquery()
        # Each listed child's record of that date (of equals, the lowest provider's).
        record = (
            select(
                found,
                func.row_number()
                .over(partition_by=(f.rule, f.pupil_id), order_by=f.provider_id)
                .label("rank"),
            )
            .join(
                listed,
                and_(
                    listed.c.rule == f.rule,
                    listed.c.pupil_id == f.pupil_id,
                    listed.c.since == f.since,
                ),
            )
            .subquery()
        )
        # One row per rule at least, which carries its count.
        query = (
            select(counted.c.rule.label("counted"), counted.c.found, record)
            .outerjoin(record, and_(record.c.rule == counted.c.rule, record.c.rank == 1))
            .order_by(record.c.since, record.c.pupil_id)
        )
        found_by: dict[AlertRule, int] = dict.fromkeys(rules, 0)
        listed_by: dict[AlertRule, list[Any]] = {rule: [] for rule in rules}
        for row in self.session.execute(query):
            found_by[AlertRule[row.counted]] = row.found
            if row.rule is not None:
                listed_by[AlertRule[row.rule]].append(row)
        return {rule: (found_by[rule], listed_by[rule]) for rule in rules}

    def _status_week_timetables(self, overdue: ColumnElement[bool]) -> Select[Any]:
        """The status week's records that open provisions, of children whose state names a
        part-time timetable or who are below full time past a timetable's review or end date
        (``overdue``): the provider, week, review and end dates, the arrangement's first week,
        and the latest end date that provider gave for the child by the week asked about. For
        current states, from the timetables kept with them."""
        state, week = self.state, self.week
        if not self.source.current:
            return (
                select(
                    state.pupil_id,
                    ProvisionRecord.provider_id,
                    ProvisionRecord.week_commencing,
                    ProvisionRecord.timetable_review_date.label("review"),
                    ProvisionRecord.timetable_end_date.label("end"),
                    part_time().label("part_time"),
                    Provision.start_week,
                    latest_end_by(week).label("latest_end"),
                    overdue.label("overdue"),
                )
                .join(ProvisionRecord, in_status_week(state))
                .join(Provision, _open_provision(week))
            )
        kept = CurrentTimetable
        # An end date given in a later (holiday) week counts from that week.
        latest_end = case((kept.ends_after, latest_end_by(week, kept)), else_=kept.latest_end)
        return select(
            state.pupil_id,
            kept.provider_id,
            kept.week_commencing,
            kept.timetable_review_date.label("review"),
            kept.timetable_end_date.label("end"),
            kept.part_time,
            kept.start_week,
            latest_end.label("latest_end"),
            overdue.label("overdue"),
        ).join(
            kept,
            and_(
                kept.pupil_id == state.pupil_id,
                kept.start_week <= week,
                or_(kept.provision_end.is_(None), kept.provision_end >= week),
            ),
        )

    def _without_limit(self, row: Any) -> Finding:
        return Finding(
            row.pupil_id,
            AlertRule.part_time_timetable_without_limit,
            f"The part-time timetable with provider {row.provider_id} since {row.start_week} "
            "has no end date. A part-time timetable must be time-limited: agree when it ends, "
            "with a review date and the parent's agreement.",
            row.start_week,
            (row.provider_id,),
        )

    def _past_end(self, row: Any) -> Finding:
        return Finding(
            row.pupil_id,
            AlertRule.part_time_timetable_past_end,
            f"The part-time timetable with provider {row.provider_id} was agreed to end on "
            f"{row.latest_end}, but is still reported for the week of {row.week_commencing}. "
            "Return the child to full time, or review and agree a new end date.",
            monday_of(row.latest_end) + WEEK,
            (row.provider_id,),
        )

    def _date_of_birth_conflicts(self) -> list[Pending]:
        """Records refused for another date of birth, until the register's date is corrected
        or that provider sends the register's date."""
        sent_since = (
            select(ProvisionVersion.id)
            .join(Revision, Revision.id == ProvisionVersion.revision_id)
            .where(
                ProvisionVersion.pupil_id == DateOfBirthConflict.pupil_id,
                ProvisionVersion.provider_id == DateOfBirthConflict.provider_id,
                Revision.recorded_at > DateOfBirthConflict.seen_at,
            )
            .exists()
        )
        rows = self.session.execute(
            select(
                DateOfBirthConflict.pupil_id,
                DateOfBirthConflict.provider_id,
                DateOfBirthConflict.date_of_birth_sent,
                DateOfBirthConflict.seen_at,
                Pupil.date_of_birth,
            )
            .join(Pupil, Pupil.id == DateOfBirthConflict.pupil_id)
            .where(
                DateOfBirthConflict.date_of_birth_sent != Pupil.date_of_birth,
                ~sent_since,
                *self._only(DateOfBirthConflict.pupil_id),
            )
            .order_by(DateOfBirthConflict.pupil_id, DateOfBirthConflict.seen_at.desc())
        )
        return _first_per_child(
            _pending(row.seen_at.date(), row.pupil_id, partial(self._date_of_birth_conflict, row))
            for row in rows
        )

    def _date_of_birth_conflict(self, row: Any) -> Finding:
        provider_id = row.provider_id
        return Finding(
            row.pupil_id,
            AlertRule.date_of_birth_conflict,
            f"Provider {provider_id} sent date of birth {row.date_of_birth_sent}, but the "
            f"register holds {row.date_of_birth}; its records for this child are refused until "
            "the dates agree. Check with the provider, and correct the register's date if it is "
            "wrong.",
            row.seen_at.date(),
            (provider_id,) if provider_id is not None else (),
        )

    def _ended(self, row: Any) -> bool:
        """The timetable's agreed end date has passed."""
        return row.end is not None and row.end < self.as_at

    def _overdue(self, row: Any) -> Finding:
        pupil_id, provider_id, review, end = row.pupil_id, row.provider_id, row.review, row.end
        if self._ended(row):
            return Finding(
                pupil_id,
                AlertRule.part_time_timetable_overdue,
                f"The part-time timetable with provider {provider_id} was agreed to end on "
                f"{end}, but the child is still below full time. Return them to full time or "
                "review the timetable formally.",
                end,
                (provider_id,),
            )
        return Finding(
            pupil_id,
            AlertRule.part_time_timetable_overdue,
            f"The part-time timetable with provider {provider_id} was due for review on "
            f"{review}. Hold the review and record the new date.",
            review,
            (provider_id,),
        )

    def _late_returns(self, *, page: int | None = None) -> Page:
        """Children on the register with an open provision whose provider has not returned for
        the LA's number of term weeks: how many, and the first ``page`` (or all), by the first
        week missed then child, each with the providers late, lowest first (one statement)."""
        week = self.week
        # Unreported for n term weeks exactly when the last return came before the n-th back.
        cutoff = self.calendar.term_week_ending(week, self.settings.unreported_alert_weeks)
        if cutoff is None:
            return 0, []
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
        # Probed per late arrangement: there are far fewer of those than children on the register.
        on_register = (
            exists()
            .where(self.state.pupil_id == Provision.pupil_id, or_(*self.source.on_register))
            .correlate(Provision)
        )
        late = (
            select(Provision.pupil_id, Provision.provider_id, last.label("last"))
            .where(
                # Open in the week, and maybe late: the two partial indexes on provisions.
                or_(
                    and_(
                        Provision.end_date.is_(None),
                        or_(Provision.last_week < cutoff, Provision.last_week > week),
                    ),
                    Provision.end_date >= week,
                ),
                Provision.start_week <= week,
                last < cutoff,
                on_register,
                *self._only(Provision.pupil_id),
            )
            .cte("late")
        )
        # Counted and ranked per child in the database: at a million children most of the
        # time went on building every late child's finding in Python (docs/PERFORMANCE.md).
        children = (
            select(late.c.pupil_id, func.min(late.c.last).label("first_last"))
            .group_by(late.c.pupil_id)
            .cte("late_children")
        )
        counted = select(func.count().label("found")).select_from(children).subquery()
        listed = select(children).order_by(children.c.first_last, children.c.pupil_id)
        if page is not None:
            listed = listed.limit(page)
        first = listed.subquery()
        providers = (
            select(first.c.first_last, late, Provider.name)
            .join(late, late.c.pupil_id == first.c.pupil_id)
            .join(Provider, Provider.id == late.c.provider_id)
            .subquery()
        )
        p = providers.c
        # One row at least, which carries the count.
        query = (
            select(counted.c.found, providers)
            .outerjoin(providers, true())
            .order_by(p.first_last, p.pupil_id, p.provider_id)
        )
        found, late_by_child = 0, defaultdict(list)
        for row in self.session.execute(query):
            found = row.found
            if row.pupil_id is not None:
                late_by_child[row.pupil_id].append((row.provider_id, row.name, row.last))
        return found, list(late_by_child.items())

    def _no_return(self, late: tuple[int, list[tuple[int, str, date]]]) -> Finding:
        pupil_id, providers = late
        missing = "; ".join(
            f"{name} ({provider_id}): {self.term_weeks_since(last + WEEK)} term "
            f"weeks since the week of {last}"
            for provider_id, name, last in providers
        )
        return Finding(
            pupil_id,
            AlertRule.no_return,
            f"No hours received from {missing}. Their provision is open, so a return is due "
            "each term week: chase them, or record that the provision ended.",
            min(last for _, _, last in providers) + WEEK,
            tuple(provider_id for provider_id, _, _ in providers),
        )

    def _unknown(self, row: Any) -> Finding:
        return Finding(
            row.pupil_id,
            AlertRule.whereabouts_unknown,
            f"{UNKNOWN[row.exit_reason]} when the last provision ended on "
            f"{row.left_register_on}: the child may be missing education. Make enquiries and "
            "record where they went (end the provision again with another reason).",
            row.left_register_on,
        )


def _open_provision(week: date) -> ColumnElement[bool]:
    """Joins a record to its provider's arrangement, open in the week."""
    return and_(
        Provision.pupil_id == ProvisionRecord.pupil_id,
        Provision.provider_id == ProvisionRecord.provider_id,
        open_in(week),
    )


def _pending(since: date | None, pupil_id: int, write: Callable[[], Finding]) -> Pending:
    return (since or date.min, pupil_id), write


def _first_per_child(found: Iterable[Pending]) -> list[Pending]:
    """One finding per child: the longest-standing (the first found, of equals)."""
    first: dict[int, Pending] = {}
    for pending in found:
        key = pending[0]
        if key[1] not in first or key < first[key[1]][0]:
            first[key[1]] = pending
    return list(first.values())


def _urgency(finding: Finding) -> tuple[date, int]:
    return finding.since or date.min, finding.pupil_id
