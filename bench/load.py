"""Loading history in bulk, and checking the derived judgements against the register's rules.

The large scale's history (millions of records) is written with PostgreSQL COPY instead of
HTTP, which would take hours on a small machine. The derived ``pupil_weeks`` rows are then
computed with the register's own pure core (``app.register.rules.judge_weeks``, the function
``refresh_judgements`` calls) over each child's whole history. Judging a child's weeks in one
pass gives the same rows as the service's week-by-week refreshes, because each refresh
continues from the judgement before the changed week; ``check_against_service`` proves it on a
sample by re-running the service's ``refresh_judgements`` and comparing.
"""

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database import make_engine
from app.demo import SyntheticLA
from app.models import ClosureDay, PupilWeek, Term
from app.pupils.upn import is_temporary_upn
from app.register.rules import SchoolCalendar, WeekJudgement, judge_weeks, with_next_weeks
from app.register.service import load_calendar, refresh_judgements

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
    return "\\N" if value is None else str(value)


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


@dataclass
class BulkLoad:
    pupils: int
    records: int
    pupil_weeks: int
    seconds: dict[str, float]


def bulk_history(
    url: str,
    la: SyntheticLA,
    records: Iterable[dict[str, Any]],
    provider_ids: list[int],
    full_time_hours: Decimal,
) -> BulkLoad:
    """COPY the records, then derive every child's judgements with the register's pure core."""
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

        def lines() -> Iterator[bytes]:
            for record in records:
                yield copy_line(
                    (
                        pupil_ids[record["upn"]],
                        provider_ids[record["provider_index"]],
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
        # The API creates a child with their first record; drop those never reported yet.
        cursor.execute(
            "DELETE FROM pupils p WHERE NOT EXISTS "
            "(SELECT 1 FROM provision_records r WHERE r.pupil_id = p.id)"
        )
        connection.commit()
        seconds["copy_records"] = time.perf_counter() - started

        started = time.perf_counter()
        calendar = _calendar(url)
        with psycopg.connect(url) as reader:
            judged = copy_lines(
                cursor,
                "COPY pupil_weeks (pupil_id, week_commencing, total_hours, threshold_hours, "
                "below_threshold, below_since, next_week) FROM STDIN",
                (copy_line(row) for row in expected_pupil_weeks(reader, calendar, full_time_hours)),
            )
        connection.commit()
        seconds["derive_pupil_weeks"] = time.perf_counter() - started
        pupils = cursor.execute("SELECT count(*) FROM pupils").fetchone()
    started = time.perf_counter()
    vacuum_analyze(url)
    seconds["vacuum_analyze"] = time.perf_counter() - started
    return BulkLoad(pupils[0] if pupils else 0, count, judged, seconds)


def vacuum_analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


def _calendar(url: str) -> SchoolCalendar:
    """The calendar exactly as the service loads it (it remembers each week's school days)."""
    engine = make_engine(sqlalchemy_url(url))
    with Session(engine) as session:
        calendar = load_calendar(session)
    engine.dispose()
    return calendar


Row = tuple[int, date, Decimal, Decimal, bool, date | None, date | None]


def expected_pupil_weeks(
    connection: psycopg.Connection[Any], calendar: SchoolCalendar, full_time_hours: Decimal
) -> Iterator[Row]:
    """Every child's judgements from their records, as ``refresh_judgements`` would store them."""
    with connection.cursor(name="totals") as cursor:
        cursor.itersize = 20_000
        cursor.execute(
            "SELECT pupil_id, week_commencing, sum(hours) FROM provision_records "
            "GROUP BY pupil_id, week_commencing ORDER BY pupil_id, week_commencing"
        )
        pupil_id: int | None = None
        totals: dict[date, Decimal] = {}
        for row_pupil, week, total in cursor:
            if row_pupil != pupil_id:
                if pupil_id is not None:
                    yield from _judged(pupil_id, totals, calendar, full_time_hours)
                pupil_id, totals = row_pupil, {}
            totals[week] = Decimal(total).quantize(CENT)
        if pupil_id is not None:
            yield from _judged(pupil_id, totals, calendar, full_time_hours)


def _judged(
    pupil_id: int, totals: dict[date, Decimal], calendar: SchoolCalendar, full_time_hours: Decimal
) -> Iterator[Row]:
    judgements: list[WeekJudgement] = judge_weeks(
        totals, full_time_hours=full_time_hours, calendar=calendar
    )
    for judgement, following in with_next_weeks(judgements):
        yield (
            pupil_id,
            judgement.week_commencing,
            judgement.total_hours,
            judgement.threshold_hours,
            judgement.below_threshold,
            judgement.below_since,
            following,
        )


def check_derived_state(url: str, full_time_hours: Decimal) -> dict[str, Any]:
    """Compare every stored pupil_weeks row with the rules applied to the stored records."""
    started = time.perf_counter()
    calendar = _calendar(url)
    mismatches = 0
    examples: list[str] = []
    compared = 0
    with (
        psycopg.connect(url) as records,
        psycopg.connect(url) as derived,
        derived.cursor(name="stored") as stored,
    ):
        stored.itersize = 20_000
        stored.execute(
            "SELECT pupil_id, week_commencing, total_hours, threshold_hours, below_threshold, "
            "below_since, next_week FROM pupil_weeks ORDER BY pupil_id, week_commencing"
        )
        expected = expected_pupil_weeks(records, calendar, full_time_hours)
        want: Row | None = next(expected, None)
        have: Any = next(stored, None)
        while want is not None or have is not None:
            compared += 1
            if want is not None and have is not None and tuple(want[:2]) == tuple(have[:2]):
                if tuple(want) != tuple(have):
                    mismatches += 1
                    if len(examples) < 5:
                        examples.append(f"expected {want}, stored {tuple(have)}")
                want, have = next(expected, None), next(stored, None)
            elif have is None or (want is not None and tuple(want[:2]) < tuple(have[:2])):
                mismatches += 1
                if len(examples) < 5:
                    examples.append(f"missing {want}")
                want = next(expected, None)
            else:
                mismatches += 1
                if len(examples) < 5:
                    examples.append(f"unexpected {tuple(have)}")
                have = next(stored, None)
    return {
        "rows_compared": compared,
        "mismatches": mismatches,
        "examples": examples,
        "seconds": round(time.perf_counter() - started, 1),
    }


def check_against_service(url: str, full_time_hours: Decimal, sample: int) -> dict[str, Any]:
    """Re-run the service's refresh_judgements over a sample of children's whole history, in a
    transaction that is rolled back, and count rows that differ from the stored ones."""
    engine = make_engine(sqlalchemy_url(url))
    differing = 0
    with Session(engine) as session, session.begin():
        pupil_ids = list(
            session.scalars(
                select(PupilWeek.pupil_id).distinct().order_by(PupilWeek.pupil_id).limit(sample)
            )
        )

        def rows() -> set[tuple[Any, ...]]:
            return {
                (r.pupil_id, r.week_commencing, r.total_hours, r.threshold_hours,
                 r.below_threshold, r.below_since, r.next_week)
                for r in session.scalars(select(PupilWeek).where(PupilWeek.pupil_id.in_(pupil_ids)))
            }  # fmt: skip

        before = rows()
        session.expire_all()
        refresh_judgements(
            session,
            changed_from=dict.fromkeys(pupil_ids, date(2000, 1, 3)),
            full_time_hours=full_time_hours,
            calendar=load_calendar(session),
        )
        session.expire_all()
        after = rows()
        differing = len(before ^ after)
        session.rollback()
    engine.dispose()
    return {"children": len(pupil_ids), "rows": len(before), "differing_rows": differing}
