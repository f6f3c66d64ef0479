"""Keeping the derived state current at write time: each child's arrangements, register weeks
(with their facts) and the register's counts, in the write's own transaction.

Set-based: whatever a write touched, every step is one statement over all the children it
touched, each re-judged from its own earliest changed week (the register week before it is
where the rules continue from).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Integer,
    Numeric,
    String,
    and_,
    delete,
    insert,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from app.bulk import insert_into, rows
from app.models import Provider, ProvisionRecord, Pupil, PupilWeek, WeekTally
from app.models import Provision as ProvisionRow
from app.models import ProvisionEnd as ProvisionEndRow
from app.register.current import Latest, keep_current, latest_of
from app.register.facts import RecordFacts, WeekFacts, week_facts
from app.register.leavers import leaver_changes
from app.register.queries import last_before
from app.register.rules import (
    FullTime,
    FullTimeHours,
    Provision,
    ProvisionEnd,
    RegisterExit,
    RegisterWeek,
    SchoolCalendar,
    WeekJudgement,
    compulsory_school_age,
    judge_register,
    provision_arrangements,
    threshold_for,
    weekly_totals,
    with_new_weeks,
    with_next,
)
from app.register.service import StoredWeek, arrangements_of, register_week_of
from app.register.tallies import Counted, cohort_of, moved_end, tally_changes

Pair = tuple[int, int]  # child, provider
PAIR_COLUMNS = (("pupil_id", Integer()), ("provider_id", Integer()))
# Kinds of provider that keep an admission register: a child with one of them is on a roll.
ROLL_KEEPING_KINDS = ("school", "pru")


@dataclass
class Changes:
    """What a write changed, so that derived state is refreshed from there and no further back:
    each child's earliest changed week; records for new weeks, which at most extend a
    provider's arrangements; and (child, provider) arrangements to draw again from scratch."""

    weeks: dict[int, date] = field(default_factory=dict)
    new_weeks: dict[Pair, set[date]] = field(default_factory=lambda: defaultdict(set))
    redraw: set[Pair] = field(default_factory=set)

    def touch(self, pupil_id: int, week_commencing: date) -> None:
        """A change to the child's weeks from this one on."""
        self.weeks[pupil_id] = min(week_commencing, self.weeks.get(pupil_id, week_commencing))

    def created(self, pupil_id: int, provider_id: int, week_commencing: date) -> None:
        """A record for a week the provider had not reported."""
        self.touch(pupil_id, week_commencing)
        self.new_weeks[pupil_id, provider_id].add(week_commencing)

    def rearranged(self, pupil_id: int, provider_id: int, week_commencing: date) -> None:
        """A withdrawal or an end: the provider's arrangements are drawn again."""
        self.touch(pupil_id, week_commencing)
        self.redraw.add((pupil_id, provider_id))


def refresh(
    session: Session,
    changes: Changes,
    *,
    full_time: FullTime,
    alert_days: int,
    calendar: SchoolCalendar,
    judged_under: SchoolCalendar | None = None,
) -> None:
    """Bring the derived state up to date after a write (``alert_days``: the LA's figure of
    school days missed, rule 11); ``judged_under`` is the calendar the stored register weeks
    were judged under, when a calendar change is what re-judges them."""
    session.flush()
    if not changes.weeks:
        return
    arrangements = _draw_arrangements(session, changes)
    _rejudge(
        session,
        changes.weeks,
        arrangements,
        full_time=full_time,
        alert_days=alert_days,
        calendar=calendar,
        judged_under=judged_under or calendar,
    )


# --- Arrangements (rule 6) -------------------------------------------------------------------


def _draw_arrangements(session: Session, changes: Changes) -> dict[int, list[Provision]]:
    """Each changed child's arrangements, drawn again where the write changed them."""
    drawn = arrangements_of(session, list(changes.weeks))
    pairs = set(changes.new_weeks) | changes.redraw
    if not pairs:
        return drawn
    ends = _ends(session, pairs)
    redraw = set(changes.redraw)
    result: dict[Pair, list[Provision]] = {}
    for pair, weeks in changes.new_weeks.items():
        if pair not in redraw:
            extended = with_new_weeks(pair[1], _of(drawn, pair), ends[pair], weeks)
            if extended is None:
                redraw.add(pair)
            else:
                result[pair] = extended
    if redraw:
        pairs_rows = rows(
            session,
            "redrawn",
            (("pupil_id", Integer()), ("provider_id", Integer())),
            sorted(redraw),
        )
        record_weeks: dict[Pair, list[tuple[int, date]]] = defaultdict(list)
        for pupil_id, provider_id, week in session.execute(
            select(
                ProvisionRecord.pupil_id,
                ProvisionRecord.provider_id,
                ProvisionRecord.week_commencing,
            ).join(
                pairs_rows,
                and_(
                    ProvisionRecord.pupil_id == pairs_rows.c.pupil_id,
                    ProvisionRecord.provider_id == pairs_rows.c.provider_id,
                ),
            )
        ):
            record_weeks[pupil_id, provider_id].append((provider_id, week))
        for pair in redraw:
            result[pair] = provision_arrangements(record_weeks[pair], ends[pair])
    changed = sorted(pair for pair, now in result.items() if now != _of(drawn, pair))
    if changed:
        _store_arrangements(session, changed, result)
        for pupil_id, provider_id in changed:
            others = [a for a in drawn[pupil_id] if a.provider_id != provider_id]
            drawn[pupil_id] = others + result[pupil_id, provider_id]
    return drawn


def _of(drawn: Mapping[int, list[Provision]], pair: Pair) -> list[Provision]:
    return [a for a in drawn.get(pair[0], []) if a.provider_id == pair[1]]


def _ends(session: Session, pairs: Iterable[Pair]) -> dict[Pair, list[ProvisionEnd]]:
    """The ends stated for these (child, provider) pairs, in the order they were first stated."""
    wanted = rows(
        session, "ended", (("pupil_id", Integer()), ("provider_id", Integer())), sorted(pairs)
    )
    ends: dict[Pair, list[ProvisionEnd]] = defaultdict(list)
    for row in session.execute(
        select(
            ProvisionEndRow.pupil_id,
            ProvisionEndRow.provider_id,
            ProvisionEndRow.end_date,
            ProvisionEndRow.end_reason,
        )
        .join(
            wanted,
            and_(
                ProvisionEndRow.pupil_id == wanted.c.pupil_id,
                ProvisionEndRow.provider_id == wanted.c.provider_id,
            ),
        )
        .order_by(ProvisionEndRow.id)
    ):
        ends[row.pupil_id, row.provider_id].append(
            ProvisionEnd(row.provider_id, row.end_date, row.end_reason)
        )
    return ends


def _store_arrangements(
    session: Session, changed: list[Pair], result: Mapping[Pair, list[Provision]]
) -> None:
    pairs_rows = rows(
        session, "rearranged", (("pupil_id", Integer()), ("provider_id", Integer())), changed
    )
    session.execute(
        delete(ProvisionRow)
        .where(
            tuple_(ProvisionRow.pupil_id, ProvisionRow.provider_id).in_(
                select(pairs_rows.c.pupil_id, pairs_rows.c.provider_id)
            )
        )
        .execution_options(synchronize_session=False)
    )
    drawn = [
        (pupil_id, a.provider_id, a.start_week, a.last_week, a.end_date, a.end_reason)
        for pupil_id, provider_id in changed
        for a in result[pupil_id, provider_id]
    ]
    if drawn:
        source = rows(session, "arrangements", ARRANGEMENT_COLUMNS, drawn)
        session.execute(
            insert(ProvisionRow).from_select(
                [name for name, _ in ARRANGEMENT_COLUMNS], select(source)
            )
        )


ARRANGEMENT_COLUMNS = (
    ("pupil_id", Integer()),
    ("provider_id", Integer()),
    ("start_week", Date()),
    ("last_week", Date()),
    ("end_date", Date()),
    ("end_reason", String()),
)


# --- Register weeks (rules 1-8) --------------------------------------------------------------

PUPIL_WEEK_COLUMNS = (
    ("pupil_id", Integer()),
    ("week_commencing", Date()),
    ("next_week", Date()),
    ("last_in_spell", Boolean()),
    ("total_hours", Numeric(7, 2)),
    ("threshold_hours", Numeric(5, 2)),
    ("below_threshold", Boolean()),
    ("below_since", Date()),
    ("on_register_since", Date()),
    ("short_hours", Numeric(8, 2)),
    ("exit_reason", String()),
    ("left_register_on", Date()),
    ("provision_types", Integer()),
    ("reasons", Integer()),
    ("provider_ids", JSON()),
    ("on_roll", Boolean()),
    ("exclusion_type", String()),
    ("excluded_from", Date()),
    ("provision_start_date", Date()),
    ("timetable_due", Date()),
    ("hours_received", Numeric(7, 2)),
    ("missed_days", Numeric(6, 2)),
    ("missed_days_health", Numeric(6, 2)),
    ("health", Boolean()),
    ("suspensions", JSON()),
    ("suspended_from", Date()),
)
STORED = [getattr(PupilWeek, name) for name, _ in PUPIL_WEEK_COLUMNS]
NO_FACTS = WeekFacts(0, 0, (), False, None, None, None, None)


def _rejudge(
    session: Session,
    first_weeks: Mapping[int, date],
    arrangements: Mapping[int, list[Provision]],
    *,
    full_time: FullTime,
    alert_days: int,
    calendar: SchoolCalendar,
    judged_under: SchoolCalendar,
) -> None:
    """Judge each child's weeks again from their first changed week, count the change, and
    keep each child's current state."""
    changed = rows(
        session,
        "changed",
        (("pupil_id", Integer()), ("first_week", Date())),
        sorted(first_weeks.items()),
    )
    previous: dict[int, Any] = {
        row.pupil_id: row
        for row in session.execute(
            select(*STORED)
            .join(changed, PupilWeek.pupil_id == changed.c.pupil_id)
            .where(last_before(changed))
        )
    }
    records: dict[int, dict[date, list[tuple[Decimal, Decimal | None, RecordFacts]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for record in session.execute(
        select(
            ProvisionRecord.pupil_id,
            ProvisionRecord.week_commencing,
            ProvisionRecord.hours,
            ProvisionRecord.hours_attended,
            ProvisionRecord.provider_id,
            ProvisionRecord.provision_type,
            ProvisionRecord.reasons,
            ProvisionRecord.exclusion_type,
            ProvisionRecord.exclusion_start_date,
            ProvisionRecord.provision_start_date,
            ProvisionRecord.timetable_review_date,
            ProvisionRecord.timetable_end_date,
        ).join(
            changed,
            and_(
                ProvisionRecord.pupil_id == changed.c.pupil_id,
                ProvisionRecord.week_commencing >= changed.c.first_week,
            ),
        )
    ):
        child, week_commencing, hours, attended, *details = record
        records[child][week_commencing].append((hours, attended, RecordFacts(*details)))
    born = dict(
        session.execute(
            select(Pupil.id, Pupil.date_of_birth).join(changed, Pupil.id == changed.c.pupil_id)
        ).all()
    )
    roll_keepers = set(
        session.scalars(select(Provider.id).where(Provider.kind.in_(ROLL_KEEPING_KINDS)))
    )

    new_rows: list[dict[str, Any]] = []
    latest: dict[int, Latest] = {}  # each child's latest judgement, where the write has it
    unread: dict[int, FullTimeHours] = {}
    links: list[tuple[int, date, date | None, bool]] = []
    before: list[Counted] = []
    after: list[Counted] = []
    for pupil_id, first in first_weeks.items():
        sent_by_week = records[pupil_id]
        figure = full_time.of(born[pupil_id])
        written = len(new_rows)
        judged = judge_register(
            weekly_totals(
                (week, hours) for week, sent in sent_by_week.items() for hours, _, _ in sent
            ),
            arrangements.get(pupil_id, []),
            school_age=compulsory_school_age(born[pupil_id]),
            full_time_hours=full_time.default,
            calendar=calendar,
            previous=register_week_of(previous[pupil_id]) if pupil_id in previous else None,
            from_week=first,
            full_time=figure,
            **judgement_inputs(sent_by_week),
        )
        cohort = cohort_of(born[pupil_id])
        for week, following in with_next(judged):
            facts = None
            if isinstance(week, WeekJudgement):
                facts = week_facts(
                    [fact for _, _, fact in sent_by_week[week.week_commencing]],
                    roll_keepers=roll_keepers,
                )
            row = stored_row(
                pupil_id,
                week,
                following,
                facts=facts,
                full_time_hours=figure(week.week_commencing),
                calendar=calendar,
            )
            new_rows.append(row)
            if isinstance(week, WeekJudgement) and facts is not None:
                after.append(
                    Counted(
                        week.week_commencing,
                        following.week_commencing if following else None,
                        week.below_threshold,
                        week.total_hours,
                        week.below_since,
                        cohort,
                        facts,
                    )
                )
        before_first = [previous[pupil_id]] if pupil_id in previous else []
        state = latest_of(
            [row._asdict() for row in before_first] + new_rows[written:],
            [register_week_of(row) for row in before_first] + judged,
            first_week=first,
            full_time=figure,
        )
        if state is None:
            unread[pupil_id] = figure
        else:
            latest[pupil_id] = state
        if pupil_id in previous:
            earlier_row = previous[pupil_id]
            following = judged[0] if judged else None
            next_week = following.week_commencing if following else None
            links.append(
                (
                    pupil_id,
                    earlier_row.week_commencing,
                    next_week,
                    earlier_row.exit_reason is None and _ends_spell(following),
                )
            )
            if earlier_row.exit_reason is None:
                stopped, started = moved_end(counted(earlier_row, cohort), next_week)
                before += stopped
                after += started

    cohorts = {pupil_id: cohort_of(born[pupil_id]) for pupil_id in first_weeks}
    doomed = select(PupilWeek.pupil_id, PupilWeek.week_commencing).join(
        changed,
        and_(
            PupilWeek.pupil_id == changed.c.pupil_id,
            PupilWeek.week_commencing >= changed.c.first_week,
        ),
    )
    deleted: Any
    replaced: list[Mapping[str, Any]] = []
    for deleted in session.execute(
        delete(PupilWeek)
        .where(tuple_(PupilWeek.pupil_id, PupilWeek.week_commencing).in_(doomed))
        .returning(*STORED)
        .execution_options(synchronize_session=False)
    ):
        if deleted.exit_reason is None:
            before.append(counted(deleted, cohorts[deleted.pupil_id]))
        else:
            replaced.append(deleted._mapping)
    if new_rows:
        source = rows(
            session,
            "judged",
            PUPIL_WEEK_COLUMNS,
            [tuple(row[name] for name, _ in PUPIL_WEEK_COLUMNS) for row in new_rows],
        )
        session.execute(
            insert(PupilWeek).from_select([name for name, _ in PUPIL_WEEK_COLUMNS], select(source))
        )
    if links:
        linked = rows(
            session,
            "links",
            (
                ("pupil_id", Integer()),
                ("week_commencing", Date()),
                ("next_week", Date()),
                ("last_in_spell", Boolean()),
            ),
            links,
        )
        session.execute(
            update(PupilWeek)
            .where(
                PupilWeek.pupil_id == linked.c.pupil_id,
                PupilWeek.week_commencing == linked.c.week_commencing,
            )
            .values(next_week=linked.c.next_week, last_in_spell=linked.c.last_in_spell)
            .execution_options(synchronize_session=False)
        )
    left_before, left_after = leaver_changes(
        session, first_weeks, replaced, new_rows, calendar=calendar, judged_under=judged_under
    )
    _count(session, tally_changes([*before, *left_before], [*after, *left_after]))
    keep_current(session, latest, unread, alert_days=alert_days, calendar=calendar)


def _count(session: Session, changes: Mapping[tuple[date, str, str], Any]) -> None:
    """Add the changes to the tallies, in key order (so concurrent writers lock alike)."""
    if not changes:
        return
    source = rows(
        session,
        "tally_changes",
        (
            ("measure", String()),
            ("key", String()),
            ("week_commencing", Date()),
            ("children", Integer()),
            ("below", Integer()),
            ("below_hours", Numeric(12, 2)),
        ),
        sorted(
            (measure, key, week, change.children, change.below, change.below_hours)
            for (week, measure, key), change in changes.items()
        ),
    )
    statement = insert_into(session, WeekTally).from_select(
        ["measure", "key", "week_commencing", "children", "below", "below_hours"],
        # SQLite needs a WHERE to read ON CONFLICT after INSERT ... SELECT.
        select(source).where(true()),
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["measure", "key", "week_commencing"],
            set_={
                "children": WeekTally.children + statement.excluded.children,
                "below": WeekTally.below + statement.excluded.below,
                "below_hours": WeekTally.below_hours + statement.excluded.below_hours,
            },
        )
    )


def counted(row: StoredWeek, cohort: int) -> Counted:
    """A stored judgement as the counts see it."""
    return Counted(
        row.week_commencing,
        row.next_week,
        row.below_threshold,
        row.total_hours or Decimal(0),
        row.below_since,
        cohort,
        facts_of(row),
    )


def facts_of(row: StoredWeek) -> WeekFacts:
    """The facts a stored judgement keeps."""
    return WeekFacts(
        row.provision_types,
        row.reasons,
        tuple(row.provider_ids),
        row.on_roll,
        row.exclusion_type,
        row.excluded_from,
        row.provision_start_date,
        row.timetable_due,
    )


def _ends_spell(following: RegisterWeek | None) -> bool:
    """A judgement followed by this is the last of its time on the register."""
    return following is None or isinstance(following, RegisterExit)


def stored_row(
    pupil_id: int,
    week: RegisterWeek,
    following: RegisterWeek | None,
    *,
    facts: WeekFacts | None,
    full_time_hours: Decimal,
    calendar: SchoolCalendar,
) -> dict[str, Any]:
    """A register week, followed by ``following``, as a ``pupil_weeks`` row; ``facts`` for a
    judgement."""
    facts = facts or NO_FACTS
    row: dict[str, Any] = {
        "pupil_id": pupil_id,
        "week_commencing": week.week_commencing,
        "next_week": following.week_commencing if following else None,
        "last_in_spell": isinstance(week, WeekJudgement) and _ends_spell(following),
        "on_register_since": week.on_register_since,
        "provision_types": facts.provision_types,
        "reasons": facts.reasons,
        "provider_ids": list(facts.provider_ids),
        "on_roll": facts.on_roll,
        "exclusion_type": facts.exclusion_type,
        "excluded_from": facts.excluded_from,
        "provision_start_date": facts.provision_start_date,
        "timetable_due": facts.timetable_due,
    }
    if isinstance(week, RegisterExit):
        return row | {
            "total_hours": None,
            "threshold_hours": threshold_for(
                week.week_commencing, full_time_hours=full_time_hours, calendar=calendar
            ),
            "below_threshold": False,
            "below_since": None,
            "short_hours": Decimal(0),
            "exit_reason": week.exit_reason,
            "left_register_on": week.left_register_on,
            "hours_received": None,
            "missed_days": Decimal(0),
            "missed_days_health": Decimal(0),
            "health": False,
            "suspensions": [],
            "suspended_from": None,
        }
    return row | {
        "total_hours": week.total_hours,
        "threshold_hours": week.threshold_hours,
        "below_threshold": week.below_threshold,
        "below_since": week.below_since,
        "short_hours": week.short_hours,
        "exit_reason": None,
        "left_register_on": None,
        "hours_received": week.hours_received,
        "missed_days": week.missed_days,
        "missed_days_health": week.missed_days_health,
        "health": week.health,
        "suspensions": [
            [provider_id, start.isoformat()] for provider_id, start in week.suspensions
        ],
        "suspended_from": week.suspended_from,
    }


# Reasons given for health needs: the school days missed in their weeks are counted apart.
HEALTH_REASONS = {"medical", "mental_health"}
Sent = Mapping[date, list[tuple[Decimal, Decimal | None, RecordFacts]]]


def judgement_inputs(sent_by_week: Sent) -> dict[str, Any]:
    """What rules 11 and 12 take from a child's records, as ``judge_register`` arguments."""
    return {
        "received": received_by_week(sent_by_week),
        "health_weeks": health_weeks(sent_by_week),
        "suspensions": suspensions_by_week(sent_by_week),
    }


def received_by_week(sent_by_week: Sent) -> dict[date, Decimal]:
    """Each week's hours received: attended where sent, else offered (rule 11)."""
    return {
        week: sum(
            (hours if attended is None else attended for hours, attended, _ in sent), Decimal(0)
        )
        for week, sent in sent_by_week.items()
    }


def health_weeks(sent_by_week: Sent) -> set[date]:
    """Weeks whose records give medical or mental health needs as a reason."""
    return {
        week
        for week, sent in sent_by_week.items()
        if any(HEALTH_REASONS & set(fact.reasons) for _, _, fact in sent)
    }


def suspensions_by_week(sent_by_week: Sent) -> dict[date, dict[int, date | None]]:
    """Each week's records by provider: the suspension's first day (the week's Monday if not
    given), or None for a record without a suspension (rule 12)."""
    return {
        week: {
            fact.provider_id: (fact.exclusion_start_date or week)
            if fact.exclusion_type == "suspension"
            else None
            for _, _, fact in sent
        }
        for week, sent in sent_by_week.items()
    }
