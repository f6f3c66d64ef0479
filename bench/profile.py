"""`python -m bench.profile`: where the time of batch ingest and of the dashboards goes.

    python -m bench.profile [--database-url URL] [--children 5000] [--batches 12]

A synthetic LA's first weeks are loaded through the service's own ingest on a throwaway
PostgreSQL database; then further batches of 1,000 records are ingested, and the summary,
trend and alerts computed, in one thread and in process, timed by SQL statement (from
SQLAlchemy's cursor events) and profiled with cProfile. The database is dropped at the end.
"""

import argparse
import cProfile
import io
import json
import pstats
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.auth.schemas import Principal, Role
from app.config import Settings
from app.database import make_engine, make_sessionmaker
from app.demo import generate_la
from app.migrations import upgrade_to_head
from app.models import Provider
from app.provision.router import BATCH
from app.provision.service import ingest
from app.register.rules import WEEK
from app.register.service import load_calendar
from app.summary.service import figures, trend
from bench.load import write_calendar
from bench.run import DEFAULT_SERVER
from bench.server import create_database, drop_database

FIRST_WEEK = date(2026, 1, 5)
WEEKS = 40


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--children", type=int, default=5_000)
    parser.add_argument("--batches", type=int, default=12, help="batches profiled")
    args = parser.parse_args(argv)
    name, url = create_database(args.database_url)
    try:
        profile(url, args.children, args.batches)
    finally:
        drop_database(args.database_url, name)


def profile(url: str, children: int, batches: int) -> None:
    settings = Settings(database_url=url, full_time_hours=Decimal(25))
    upgrade_to_head(settings)
    la = generate_la(seed=7, children=children, providers=40, first_week=FIRST_WEEK, weeks=WEEKS)
    write_calendar(url, la)
    engine = make_engine(settings.sqlalchemy_url)
    make_session = make_sessionmaker(engine)
    with make_session.begin() as session:
        providers = [Provider(name=p.name, kind=p.kind, urn=p.urn) for p in la.providers]
        session.add_all(providers)
        session.flush()
        ids = [provider.id for provider in providers]
    bodies = _bodies(la.records(), ids)
    admin = Principal("profile", Role.admin, None)
    warm = len(bodies) - batches

    def push(body: bytes) -> None:
        with make_session.begin() as session:
            records = BATCH.validate_json(body).records
            ingest(session, records=records, principal=admin, settings=settings)

    started = time.perf_counter()
    for body in bodies[:warm]:
        push(body)
    print(f"loaded {warm} batches in {time.perf_counter() - started:.0f} s")
    with _measured("batch ingest", engine) as run:
        for body in bodies[warm:]:
            run(partial(push, body))
    week = la.term_weeks()[-1]
    with make_session() as session:
        calendar = load_calendar(session)
        with _measured("summary", engine) as run:
            for _ in range(batches):
                run(lambda: figures(session, week=week, calendar=calendar, long_run_weeks=6))
        with _measured("trend (12 weeks)", engine) as run:
            for _ in range(batches):
                run(
                    lambda: trend(
                        session,
                        first=week - 11 * WEEK,
                        last=week,
                        calendar=calendar,
                        long_run_weeks=6,
                    )
                )
        with _measured("alerts", engine) as run:
            for _ in range(batches):
                run(lambda: _alerts(session, week, settings))
    engine.dispose()


def _alerts(session: Session, week: date, settings: Settings) -> Any:
    from app.alerts.schemas import AlertRule
    from app.alerts.service import find_alerts

    return find_alerts(
        session,
        as_at=week,
        calendar=load_calendar(session),
        settings=settings,
        rules=list(AlertRule),
        limit=100,  # the endpoint's default
    )


def _bodies(records: Iterator[dict[str, Any]], ids: list[int]) -> list[bytes]:
    """Batches of up to 1,000 records of one week each, as an MIS would post them."""
    by_week: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        fields = {key: value for key, value in record.items() if key != "provider_index"}
        by_week[record["week_commencing"]].append(
            fields | {"provider_id": ids[record["provider_index"]]}
        )
    return [
        json.dumps({"records": week[start : start + 1000]}).encode()
        for week in by_week.values()
        for start in range(0, len(week), 1000)
    ]


@contextmanager
def _measured(label: str, engine: Any) -> Iterator[Callable[[Callable[[], Any]], None]]:
    """Run work under cProfile, with SQL time per statement; print both afterwards."""
    sql: dict[str, float] = defaultdict(float)
    calls: dict[str, int] = defaultdict(int)

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info["sent"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        words = re.sub(r"\s+", " ", statement).split(" ")
        key = " ".join(words[:5])[:60]
        sql[key] += time.perf_counter() - conn.info.pop("sent", time.perf_counter())
        calls[key] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    profiler = cProfile.Profile()
    runs = 0
    elapsed = 0.0

    def run(work: Callable[[], Any]) -> None:
        nonlocal runs, elapsed
        started = time.perf_counter()
        profiler.runcall(work)
        elapsed += time.perf_counter() - started
        runs += 1

    try:
        yield run
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    in_sql = sum(sql.values())
    print(f"\n== {label}: {runs} runs, {elapsed / runs * 1000:.1f} ms each (profiled), "
          f"{in_sql / runs * 1000:.1f} ms of it in SQL ==")  # fmt: skip
    for key, seconds in sorted(sql.items(), key=lambda item: -item[1])[:12]:
        print(f"  {seconds / runs * 1000:7.2f} ms  {calls[key] / runs:4.1f}x  {key}")
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).sort_stats("tottime")
    stats.print_stats(r"app/|pydantic|json|psycopg|sqlalchemy/engine", 15)
    print("\n".join(line for line in text.getvalue().splitlines() if re.match(r"\s+\d", line)))


if __name__ == "__main__":
    main()
