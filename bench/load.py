"""Loading history in bulk, and checking the derived state against the register's rules.

The large scale's history (millions of records) is written with PostgreSQL COPY instead of
HTTP, which would take hours on a small machine. Each record gets its version in the history,
written by the database from the records. The derived ``provisions`` (arrangements) and
``pupil_weeks`` (judgements and exits) are then computed with the register's own pure core
(``provision_arrangements`` and ``judge_register``, the functions ``refresh`` calls) over each
child's whole history. Judging a child's weeks in one pass gives the same rows as the service's
week-by-week refreshes, because each refresh continues from the register week before the
changed week; ``check_against_service`` proves it on a sample by re-running the service's
``refresh`` and comparing.
"""

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import Connection, create_engine, insert, or_, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.database import make_engine
from app.demo import SyntheticLA
from app.history.service import RECORD_FIELDS
from app.models import (
    ClosureDay,
    CurrentState,
    CurrentTimetable,
    Provider,
    Provision,
    ProvisionRecord,
    Pupil,
    PupilWeek,
    Term,
    WeekTally,
)
from app.models import ProvisionEnd as ProvisionEndRow
from app.pupils.upn import is_temporary_upn
from app.register.current import STATE_COLUMNS, state_from_history
from app.register.derived import (
    ARRANGEMENT_COLUMNS,
    PUPIL_WEEK_COLUMNS,
    ROLL_KEEPING_KINDS,
    Changes,
    judgement_inputs,
    refresh,
    stored_row,
)
from app.register.facts import RecordFacts, week_facts
from app.register.rejudge import EDITION
from app.register.rules import (
    FullTime,
    ProvisionEnd,
    RegisterExit,
    SchoolCalendar,
    WeekJudgement,
    compulsory_school_age,
    judge_register,
    provision_arrangements,
    weekly_totals,
    with_next,
)
from app.register.service import load_calendar
from app.register.tallies import Counted, Tally, TallyKey, cohort_of, leavers, tally_changes
from app.register.timetables import COLUMNS as TIMETABLE_NAMES
from app.register.timetables import timetables_of

CENT = Decimal("0.01")
COPY_CHUNK = 1 << 20


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def write_calendar(url: str, la: SyntheticLA) -> None:
    """The LA's terms and closure days, straight into the tables the service reads."""
    engine = make_engine(sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        session.add_all(
            Term(name=name, start_date=start, end_date=end) for name, start, end in la.terms
        )
        session.add_all(ClosureDay(day=day, description=text) for day, text in la.closures)
    engine.dispose()


def _field(value: Any) -> str:
    if value is None:
        return "\\N"
    # JSON columns (a register week's suspensions) go as JSON text, never as Python's repr.
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def copy_line(values: Iterable[Any]) -> bytes:
    """One row in COPY's text format (our values never hold tabs, newlines or backslashes)."""
    return ("\t".join(_field(value) for value in values) + "\n").encode()


def copy_lines(cursor: psycopg.Cursor[Any], statement: str, lines: Iterable[bytes]) -> int:
    """COPY pre-formatted lines in large chunks; returns how many rows."""
    rows = 0
    with cursor.copy(statement) as copy:
        chunk: list[bytes] = []
        size = 0
        for line in lines:
            chunk.append(line)
            size += len(line)
            rows += 1
            if size >= COPY_CHUNK:
                copy.write(b"".join(chunk))
                chunk, size = [], 0
        if chunk:
            copy.write(b"".join(chunk))
    return rows


PROVISION_COLUMNS = (
    "pupil_id, provider_id, week_commencing, hours, hours_attended, provision_type, reasons, "
    "exclusion_type, exclusion_start_date, provision_start_date, timetable_review_date, "
    "timetable_end_date"
)


PUPIL_WEEK_NAMES = tuple(name for name, _ in PUPIL_WEEK_COLUMNS)
ARRANGEMENT_NAMES = tuple(name for name, _ in ARRANGEMENT_COLUMNS)
STATE_NAMES = tuple(name for name, _ in STATE_COLUMNS)
# The service's default figure of school days missed (rule 11), which the bench runs with.
ALERT_DAYS: int = Settings.model_fields["missed_school_days_alert"].default
TALLY_NAMES = ("measure", "key", "week_commencing", "children", "below", "below_hours")
# Each record's version, written by the database from the record (hours kept as exact text).
_DETAILS = ", ".join(
    f"'{name}', {name}" + ("::text" if name.startswith("hours") else "") for name in RECORD_FIELDS
)
RECORD_VERSIONS = (
    "INSERT INTO provision_history "  # noqa: S608 - built from constants
    "(revision_id, pupil_id, provider_id, action, week_commencing, details) "
    f"SELECT %(revision)s, pupil_id, provider_id, 'created', week_commencing, "
    f"json_build_object({_DETAILS}) FROM provision_records ORDER BY id"
)
END_VERSIONS = """
INSERT INTO provision_history (revision_id, pupil_id, provider_id, action, end_id, details)
SELECT %(revision)s, pupil_id, provider_id, 'ended', id,
       json_build_object('end_date', end_date, 'end_reason', end_reason)
FROM provision_ends ORDER BY id
"""


@dataclass
class BulkLoad:
    pupils: int
    records: int
    ends: int
    pupil_weeks: int
    seconds: dict[str, float]


def bulk_history(
    url: str,
    la: SyntheticLA,
    records: Iterable[dict[str, Any]],
    provider_ids: list[int],
    full_time_hours: Decimal,
) -> BulkLoad:
    """COPY the records and ends with their history, then derive every child's arrangements and
    register weeks with the register's pure core."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        pupil_ids: dict[str, int] = {}
        pupil_lines = []
        for number, (upn, born) in enumerate(la.pupils(), start=1):
            pupil_ids[upn] = number
            pupil_lines.append(copy_line((number, upn, is_temporary_upn(upn), born)))
        copy_lines(
            cursor, "COPY pupils (id, upn, temporary_upn, date_of_birth) FROM STDIN", pupil_lines
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('pupils', 'id'), max(id)) FROM pupils")
        ends: list[bytes] = []

        def lines() -> Iterator[bytes]:
            for record in records:
                pupil_id = pupil_ids[record["upn"]]
                provider_id = provider_ids[record["provider_index"]]
                if record["provision_end_date"]:
                    ends.append(
                        copy_line(
                            (
                                pupil_id,
                                provider_id,
                                record["provision_end_date"],
                                record["end_reason"],
                            )
                        )
                    )
                yield copy_line(
                    (
                        pupil_id,
                        provider_id,
                        record["week_commencing"],
                        record["hours"],
                        record["hours_attended"],
                        record["provision_type"],
                        json.dumps(record["reasons"]),
                        record["exclusion_type"],
                        record["exclusion_start_date"],
                        record["provision_start_date"],
                        record["timetable_review_date"],
                        record["timetable_end_date"],
                    )
                )

        count = copy_lines(
            cursor, f"COPY provision_records ({PROVISION_COLUMNS}) FROM STDIN", lines()
        )
        copy_lines(
            cursor,
            "COPY provision_ends (pupil_id, provider_id, end_date, end_reason) FROM STDIN",
            ends,
        )
        # The API creates a child with their first record; drop those never reported yet.
        cursor.execute(
            "DELETE FROM pupils p WHERE NOT EXISTS "
            "(SELECT 1 FROM provision_records r WHERE r.pupil_id = p.id)"
        )
        connection.commit()
        seconds["copy_records"] = time.perf_counter() - started

        started = time.perf_counter()
        # One revision holds the whole load, numbered as the register's next version.
        cursor.execute(
            "WITH bumped AS (UPDATE register_version SET version = version + 1 "
            "RETURNING version) INSERT INTO revisions (number, recorded_at, client_id) "
            "SELECT version, now(), 'bench-bulk-load' FROM bumped RETURNING id"
        )
        revision = {"revision": _one(cursor)}
        cursor.execute(RECORD_VERSIONS, revision)
        cursor.execute(END_VERSIONS, revision)
        connection.commit()
        seconds["history"] = time.perf_counter() - started

        started = time.perf_counter()
        calendar = _calendar(url)
        arrangements: list[bytes] = []
        expected = Expected({})
        engine = make_engine(sqlalchemy_url(url))
        with engine.connect() as reader:
            judged = 0
            weeks: list[bytes] = []
            states: list[bytes] = []
            for drawn, rows, state in expected.children(reader, calendar, full_time_hours):
                arrangements += (copy_line(row) for row in drawn)
                weeks += (copy_line(row) for row in rows)
                states += (copy_line(row) for row in state)
                if len(weeks) > 100_000:
                    judged += _copy(cursor, "pupil_weeks", PUPIL_WEEK_NAMES, weeks)
                    weeks = []
            judged += _copy(cursor, "pupil_weeks", PUPIL_WEEK_NAMES, weeks)
        _copy(cursor, "provisions", ARRANGEMENT_NAMES, arrangements)
        _copy(cursor, "tallies", TALLY_NAMES, [copy_line(row) for row in expected.tally_rows()])
        _copy(cursor, "current_states", STATE_NAMES, states)
        cursor.execute(
            "UPDATE register_version SET rules = %s, alert_days = %s", (EDITION, ALERT_DAYS)
        )
        connection.commit()
        # The timetables the current states rest on, from their weeks' records.
        with engine.begin() as writer:
            writer.execute(insert(CurrentTimetable).from_select(TIMETABLE_NAMES, timetables_of()))
        engine.dispose()
        seconds["derive"] = time.perf_counter() - started
        pupils = _one(cursor.execute("SELECT count(*) FROM pupils"))
    started = time.perf_counter()
    vacuum_analyze(url)
    seconds["vacuum_analyze"] = time.perf_counter() - started
    return BulkLoad(pupils, count, len(ends), judged, seconds)


def _one(cursor: psycopg.Cursor[Any]) -> Any:
    """The one value a statement returned."""
    row = cursor.fetchone()
    assert row is not None
    return row[0]


def _copy(
    cursor: psycopg.Cursor[Any], table: str, columns: Iterable[str], lines: list[bytes]
) -> int:
    return copy_lines(cursor, f"COPY {table} ({', '.join(columns)}) FROM STDIN", lines)


def vacuum_analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


class Autoanalyze:
    """Where the PostgreSQL server runs without autovacuum (a CI setting on some machines), the
    planner would plan each write on the statistics of the empty tables it started with: a
    single record then re-judged its child with two sequential scans of every register week.
    While writes run, this does what autovacuum does for the planner: ANALYZE every
    ``interval`` seconds."""

    def __init__(self, url: str, interval: float = 30) -> None:
        self.url, self.interval = url, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.needed = False

    def __enter__(self) -> "Autoanalyze":
        if not self.url.startswith("sqlite"):
            with psycopg.connect(self.url) as connection:
                setting = connection.execute("SHOW autovacuum").fetchone()
            self.needed = setting is not None and setting[0] == "off"
        if self.needed:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.needed:
            self._stop.set()
            self._thread.join()

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self._stop.wait(self.interval):
                connection.execute("ANALYZE")


def _calendar(url: str) -> SchoolCalendar:
    """The calendar exactly as the service loads it (it remembers each week's school days)."""
    engine = make_engine(sqlalchemy_url(url))
    with Session(engine) as session:
        calendar = load_calendar(session)
    engine.dispose()
    return calendar


Row = tuple[Any, ...]
RECORD_COLUMNS = (
    "pupil_id",
    "week_commencing",
    "hours",
    "provider_id",
    "provision_type",
    "reasons",
    "exclusion_type",
    "exclusion_start_date",
    "provision_start_date",
    "timetable_review_date",
    "timetable_end_date",
    "hours_attended",
)
# RecordFacts' fields in a RECORD_COLUMNS row.
FACTS = slice(3, 11)


@dataclass
class Expected:
    """The derived state the rules give, child by child, and the counts over all of them."""

    tallies: dict[TallyKey, Tally]

    def children(
        self, connection: Connection, calendar: SchoolCalendar, full_time_hours: Decimal
    ) -> Iterator[tuple[list[Row], list[Row], list[Row]]]:
        """Each child's arrangement and register week rows, in child id order; the counts
        are added up as they go."""
        born = dict(connection.execute(select(Pupil.id, Pupil.date_of_birth)).all())
        roll_keepers = set(
            connection.scalars(select(Provider.id).where(Provider.kind.in_(ROLL_KEEPING_KINDS)))
        )
        ends: dict[int, list[ProvisionEnd]] = defaultdict(list)
        for child, provider_id, end_date, reason in connection.execute(
            select(
                ProvisionEndRow.pupil_id,
                ProvisionEndRow.provider_id,
                ProvisionEndRow.end_date,
                ProvisionEndRow.end_reason,
            ).order_by(ProvisionEndRow.id)
        ):
            ends[child].append(ProvisionEnd(provider_id, end_date, reason))
        records = connection.execution_options(yield_per=20_000).execute(
            select(*(getattr(ProvisionRecord, name) for name in RECORD_COLUMNS)).order_by(
                ProvisionRecord.pupil_id
            )
        )
        pupil_id: int | None = None
        sent: list[Row] = []
        for record in records:
            if record[0] != pupil_id:
                if pupil_id is not None:
                    yield self._derive(
                        pupil_id, sent, ends, born, roll_keepers, calendar, full_time_hours
                    )
                pupil_id, sent = record[0], []
            sent.append(tuple(record))
        if pupil_id is not None:
            yield self._derive(pupil_id, sent, ends, born, roll_keepers, calendar, full_time_hours)

    def _derive(
        self,
        pupil_id: int,
        records: list[Row],
        ends: dict[int, list[ProvisionEnd]],
        born: dict[int, date],
        roll_keepers: set[int],
        calendar: SchoolCalendar,
        full_time_hours: Decimal,
    ) -> tuple[list[Row], list[Row], list[Row]]:
        arrangements = provision_arrangements(
            [(record[3], record[1]) for record in records], ends[pupil_id]
        )
        sent: dict[date, list[tuple[Decimal, Decimal | None, RecordFacts]]] = defaultdict(list)
        for record in records:
            sent[record[1]].append((record[2], record[11], RecordFacts(*record[FACTS])))
        judged = judge_register(
            weekly_totals((record[1], record[2]) for record in records),
            arrangements,
            school_age=compulsory_school_age(born[pupil_id]),
            full_time_hours=full_time_hours,
            calendar=calendar,
            **judgement_inputs(sent),
        )
        by_week = {week: [facts for _, _, facts in these] for week, these in sent.items()}
        weeks, counted = [], []
        stored: list[dict[str, Any]] = []
        for week, following in with_next(judged):
            facts = None
            if isinstance(week, WeekJudgement):
                facts = week_facts(by_week[week.week_commencing], roll_keepers=roll_keepers)
                counted.append(
                    Counted(
                        week.week_commencing,
                        following.week_commencing if following else None,
                        week.below_threshold,
                        week.total_hours,
                        week.below_since,
                        cohort_of(born[pupil_id]),
                        facts,
                    )
                )
            row = stored_row(
                pupil_id,
                week,
                following,
                facts=facts,
                full_time_hours=full_time_hours,
                calendar=calendar,
            )
            stored.append(row)
            weeks.append(tuple(row[name] for name in PUPIL_WEEK_NAMES))
        exits = [week for week in judged if isinstance(week, RegisterExit)]
        for key, change in tally_changes([], [*counted, *leavers(exits, calendar)]).items():
            self.tallies[key] = self.tallies.get(key, Tally(0, 0, Decimal(0))) + change
        state = state_from_history(
            stored,
            judged,
            alert_days=ALERT_DAYS,
            full_time=lambda _week: full_time_hours,
            calendar=calendar,
        )
        return (
            sorted((pupil_id, *astuple(arrangement)) for arrangement in arrangements),
            weeks,
            [state] if state else [],
        )

    def tally_rows(self) -> list[Row]:
        """The counts' changes as ``tallies`` rows, in key order; changes that cancel out are
        not rows."""
        return sorted(
            (measure, key, week, change.children, change.below, change.below_hours)
            for (week, measure, key), change in self.tallies.items()
            if change
        )


def check_derived_state(url: str, full_time_hours: Decimal) -> dict[str, Any]:
    """Compare every stored arrangement, register week and count with the rules applied to the
    stored records and ends. Register weeks are compared as they are derived (a national
    register's would not fit in memory); arrangements and counts once all are known."""
    started = time.perf_counter()
    # Two connections read side by side, which the service's one-connection SQLite pool refuses.
    engine = create_engine(sqlalchemy_url(url))
    calendar = _calendar(url)
    expected = Expected({})
    arrangements: list[Row] = []
    states: list[Row] = []

    def weeks(children: Iterator[tuple[list[Row], list[Row], list[Row]]]) -> Iterator[Row]:
        for drawn, rows, state in children:
            arrangements.extend(drawn)
            states.extend(state)
            yield from rows

    counted = or_(WeekTally.children != 0, WeekTally.below != 0, WeekTally.below_hours != 0)
    results: dict[str, Any] = {}
    with engine.connect() as sources, engine.connect() as derived:

        def stored(model: Any, columns: tuple[str, ...], keys: int, where: Any = None) -> Any:
            query = select(*(getattr(model, c) for c in columns)).order_by(
                *(getattr(model, c) for c in columns[:keys])
            )
            rows = derived.execution_options(yield_per=20_000).execute(
                query if where is None else query.where(where)
            )
            return (tuple(row) for row in rows)

        results["pupil_weeks"] = _compare(
            weeks(expected.children(sources, calendar, full_time_hours)),
            stored(PupilWeek, PUPIL_WEEK_NAMES, 2),
            2,
        )
        results["provisions"] = _compare(
            iter(arrangements), stored(Provision, ARRANGEMENT_NAMES, 3), 3
        )
        results["current_states"] = _compare(
            (tuple(_hashable(v) for v in state) for state in states),
            (tuple(_hashable(v) for v in row) for row in stored(CurrentState, STATE_NAMES, 1)),
            1,
        )
        # The timetables kept at write time, against those the records give now.
        results["current_timetables"] = _compare(
            iter(sorted(tuple(row) for row in sources.execute(timetables_of()))),
            stored(CurrentTimetable, tuple(TIMETABLE_NAMES), 3),
            3,
        )
        # Counts whose changes cancelled out may stay as zero rows; they count nothing.
        results["tallies"] = _compare(
            iter(expected.tally_rows()), stored(WeekTally, TALLY_NAMES, 3, counted), 3
        )
    engine.dispose()
    return {
        "rows_compared": sum(r["rows_compared"] for r in results.values()),
        "mismatches": sum(r["mismatches"] for r in results.values()),
        "by_table": results,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _compare(expected: Iterator[Row], stored: Iterable[Any], keys: int) -> dict[str, Any]:
    """Merge two streams sorted by their first ``keys`` columns; count rows that differ."""
    mismatches = compared = 0
    examples: list[str] = []
    stored_rows = iter(stored)
    want, have = next(expected, None), next(stored_rows, None)
    while want is not None or have is not None:
        compared += 1
        if want is not None and have is not None and tuple(want[:keys]) == tuple(have[:keys]):
            if tuple(want) != tuple(have):
                mismatches += 1
                examples.append(f"expected {want}, stored {tuple(have)}")
            want, have = next(expected, None), next(stored_rows, None)
        elif have is None or (want is not None and tuple(want[:keys]) < tuple(have[:keys])):
            mismatches += 1
            examples.append(f"missing {want}")
            want = next(expected, None)
        else:
            mismatches += 1
            examples.append(f"unexpected {tuple(have)}")
            have = next(stored_rows, None)
    return {"rows_compared": compared, "mismatches": mismatches, "examples": examples[:5]}


def check_against_service(url: str, full_time_hours: Decimal, sample: int) -> dict[str, Any]:
    """Re-run the service's refresh over a sample of children's whole history, in a transaction
    that is rolled back, and count rows that differ from the stored ones."""
    engine = make_engine(sqlalchemy_url(url))
    with Session(engine) as session, session.begin():
        pairs = session.execute(
            select(Provision.pupil_id, Provision.provider_id, Provision.start_week)
            .order_by(Provision.pupil_id)
            .limit(sample * 2)
        ).all()
        changes = Changes()
        for pupil_id, provider_id, start in pairs:
            changes.rearranged(pupil_id, provider_id, start)
        pupil_ids = list(changes.weeks)

        def rows() -> set[tuple[Any, ...]]:
            weeks = session.scalars(select(PupilWeek).where(PupilWeek.pupil_id.in_(pupil_ids)))
            arrangements = session.scalars(
                select(Provision).where(Provision.pupil_id.in_(pupil_ids))
            )
            counts = session.scalars(select(WeekTally))
            states = session.scalars(
                select(CurrentState).where(CurrentState.pupil_id.in_(pupil_ids))
            )
            timetables = session.scalars(
                select(CurrentTimetable).where(CurrentTimetable.pupil_id.in_(pupil_ids))
            )
            return (
                {tuple(_hashable(getattr(r, c)) for c in PUPIL_WEEK_NAMES) for r in weeks}
                | {tuple(_hashable(getattr(r, c)) for c in STATE_NAMES) for r in states}
                | {tuple(getattr(r, c) for c in ARRANGEMENT_NAMES) for r in arrangements}
                | {tuple(getattr(r, c) for c in TIMETABLE_NAMES) for r in timetables}
                | {
                    tuple(getattr(r, c) for c in TALLY_NAMES)
                    for r in counts
                    if r.children or r.below or r.below_hours
                }
            )

        before = rows()
        session.expire_all()
        refresh(
            session,
            changes,
            full_time=FullTime(full_time_hours),
            alert_days=ALERT_DAYS,
            calendar=load_calendar(session),
        )
        session.expire_all()
        differing = len(before ^ rows())
        session.rollback()
    engine.dispose()
    return {"children": len(pupil_ids), "rows": len(before), "differing_rows": differing}


def _hashable(value: Any) -> Any:
    return tuple(_hashable(item) for item in value) if isinstance(value, list) else value
