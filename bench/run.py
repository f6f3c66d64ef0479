"""`make bench`: what the register's users meet, measured in one run.

    python -m bench.run [--scale small,sqlite,large,national | all] [--database-url URL]
                        [--workers N] [--keep-db] [--out docs/bench-results.json] ...

Scales: ``small`` (5,000 children, every week over HTTP, PostgreSQL), ``sqlite`` (the same on
the embedded SQLite default), ``large`` (100,000 children: history bulk-loaded, the last term
weeks over HTTP) and ``national`` (1,000,000 children, history bulk-loaded, reads). Each gets a
throwaway database (``cnfte_bench_<random>`` on the PostgreSQL server at ``--database-url``,
or a temporary SQLite file) brought to head with ``upgrade_to_head``; the real service runs
under uvicorn with ``--workers`` processes in a subprocess and is driven over HTTP with httpx.
See docs/PERFORMANCE.md.
"""

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func, select
from stdnum.gb import upn as stdnum_upn

from app.config import Settings
from app.database import make_engine
from app.demo import generate_la
from app.migrations import upgrade_to_head
from app.models import Pupil
from app.register.rules import WEEK, monday_of
from bench import api as http
from bench import reads
from bench.audit import storage as audit_storage
from bench.load import (
    Autoanalyze,
    bulk_history,
    check_against_service,
    check_derived_state,
    copy_line,
    copy_lines,
    sqlalchemy_url,
    vacuum_analyze,
    write_calendar,
)
from bench.server import (
    FULL_TIME_HOURS,
    ROOT,
    RssSampler,
    Server,
    create_database,
    database_url,
    drop_database,
    server_version,
)
from bench.tables_limit import same_tables_copy, transaction_id
from bench.workload import BARE_COLUMNS, BARE_TABLE, HttpWork, Phase, prepare

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
# The benchmark's "now": its weekly returns end in this week.
LAST_WEEK = date(2026, 11, 23)
CALENDAR_WEEKS = 104  # two years: about 80 term weeks
PROVIDERS = 60
# What dashboards read while schools push (during the phase of batches of 1,000, 4 clients).
DURING_INGEST = ("summary", "register_below_threshold", "pupil_status")
MIXED_PHASE = Phase(1000, 4)
# The phase whose rows are written again by COPY into the same tables (the second limit).
SAME_TABLES_PHASE = Phase(5000, 4)
ENDPOINTS = ("pupil_status", "register_below_threshold", "summary", "trend", "alerts")
SCALES = ("small", "sqlite", "large", "national")


@dataclass(frozen=True)
class Scale:
    name: str
    children: int
    database: str  # "postgresql" or "sqlite"
    http_weeks: int | None  # trailing term weeks sent over HTTP; None = all of them
    calendar_weeks: int = CALENDAR_WEEKS

    @property
    def bulk(self) -> bool:
        return self.http_weeks is not None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument(
        "--scale", default="small,sqlite,large", help=f"comma-separated of {SCALES}, or all"
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help="PostgreSQL server on which to create the throwaway databases",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep-db", action="store_true", help="keep the databases afterwards")
    parser.add_argument(
        "--reuse-db",
        metavar="NAME",
        help="measure the reads of one PostgreSQL scale again on a database an earlier run kept "
        "(--keep-db), without loading it; it is kept",
    )
    parser.add_argument("--out", default="docs/bench-results.json", help="JSON results file")
    parser.add_argument("--small-children", type=int, default=5_000)
    parser.add_argument("--large-children", type=int, default=100_000)
    parser.add_argument("--large-http-weeks", type=int, default=4)
    parser.add_argument("--national-children", type=int, default=1_000_000)
    parser.add_argument("--national-weeks", type=int, default=CALENDAR_WEEKS)
    parser.add_argument("--singles", type=int, default=3_000, help="records POSTed one by one")
    parser.add_argument("--requests", type=int, default=200, help="GETs per latency figure")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)

    scales = {
        "small": Scale("small", args.small_children, "postgresql", http_weeks=None),
        "sqlite": Scale("sqlite", args.small_children, "sqlite", http_weeks=None),
        "large": Scale("large", args.large_children, "postgresql", args.large_http_weeks),
        "national": Scale("national", args.national_children, "postgresql", 0, args.national_weeks),
    }
    chosen = list(SCALES) if args.scale == "all" else args.scale.split(",")
    if args.reuse_db and (len(chosen) != 1 or scales[chosen[0]].database != "postgresql"):
        parser.error("--reuse-db measures one PostgreSQL scale")
    out = Path(args.out)
    if not out.is_absolute():
        out = ROOT / out
    results: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    results["machine"] = machine(args.database_url, args.workers)
    results.setdefault("scales", {})
    for name in chosen:
        log(f"== scale {name}: {scales[name].children} children on {scales[name].database} ==")
        results["scales"][name] = run_scale(scales[name], args)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(table(results))
    print(f"\nResults written to {out}")


def run_scale(scale: Scale, args: argparse.Namespace) -> dict[str, Any]:
    """Everything measured at one scale, on its own database and server."""
    wall = time.perf_counter()
    first_week = monday_of(LAST_WEEK) - WEEK * (scale.calendar_weeks - 1)
    la = generate_la(
        seed=args.seed,
        children=scale.children,
        providers=PROVIDERS,
        first_week=first_week,
        weeks=scale.calendar_weeks,
    )
    term_weeks = la.term_weeks()
    as_at = term_weeks[-1]
    sqlite_file = scale.database == "sqlite"
    workers = 1 if sqlite_file else args.workers
    result: dict[str, Any] = {
        "children": scale.children,
        "database": scale.database,
        "workers": workers,
        "providers": PROVIDERS,
        "weeks": f"{first_week} to {LAST_WEEK}",
        "term_weeks": len(term_weeks),
        "as_at": as_at.isoformat(),
    }
    reused = args.reuse_db
    if sqlite_file:
        folder = tempfile.mkdtemp(prefix="cnfte-bench-")
        name, url = folder, f"sqlite:///{folder}/register.db"
    elif reused:
        name, url = reused, database_url(args.database_url, reused)
    else:
        name, url = create_database(args.database_url)
    log(f"database {url}")
    server = Server(url, workers=workers)
    try:
        upgrade_to_head(Settings(database_url=url, full_time_hours=Decimal(FULL_TIME_HOURS)))
        if not reused:
            # Terms and closures go straight into the calendar tables.
            write_calendar(url, la)
        server.start()
        admin = http.Api(server.base_url, server.admin_id, server.admin_secret)
        provider_ids = (
            _provider_ids(url)
            if reused
            else [
                admin.post_json(
                    "/api/v1/providers", {"name": p.name, "kind": p.kind, "urn": p.urn}
                )["id"]
                for p in la.providers
            ]
        )
        officer = admin.new_client("la_officer")
        inspector = admin.new_client("inspector")

        if reused:
            rest: Iterator[dict[str, Any]] = iter(())
            result["history"] = {"method": f"database {name}, loaded and checked by an earlier run"}
        elif scale.bulk:
            history, rest = _split(la.records(), _first_http_week(scale, term_weeks))
            log("bulk-loading the history (COPY, derived state from the pure core)")
            bulk = bulk_history(url, la, history, provider_ids, Decimal(FULL_TIME_HOURS))
            result["history"] = {
                "method": "COPY into pupils, provision_records and provision_ends; their "
                "versions written from them; provisions, pupil_weeks and tallies derived with "
                "the pure core (provision_arrangements, judge_register, week_facts, "
                "tally_changes); then VACUUM ANALYZE",
                "pupils": bulk.pupils,
                "records": bulk.records,
                "ends": bulk.ends,
                "pupil_weeks": bulk.pupil_weeks,
                "seconds": {key: round(value, 1) for key, value in bulk.seconds.items()},
            }
            log(f"  {result['history']}")
        else:
            # From the first term week (the generator's records before it are not sent).
            _, rest = _split(la.records(), term_weeks[0].isoformat())
            result["history"] = {"method": "all weeks over HTTP (the ingest figures below)"}
        work = prepare(rest, provider_ids, singles=args.singles if scale.http_weeks != 0 else 0)
        with Autoanalyze(url) as standin:
            if work.phases:
                result["http_weeks"] = (
                    f"{work.weeks[0]} to {work.weeks[-1]} ({len(work.weeks)} weeks)"
                )
                result["ingest"] = ingest(url, server, officer, work, as_at, args.requests)
            if work.singles:
                result["single_post"] = singles(admin, provider_ids, work)
        if standin.needed:
            result["autovacuum"] = "off on this server: the bench ran ANALYZE every 30 s"
        if not sqlite_file:
            log("VACUUM ANALYZE")
            vacuum_analyze(url)
        result["records_total"] = _count(url, "provision_records")
        result["children_total"] = _count(url, "pupils")
        if not reused:
            log("checking the derived state against the pure core")
            result["derived_state"] = check_derived_state(url, Decimal(FULL_TIME_HOURS))
            result["service_check"] = check_against_service(url, Decimal(FULL_TIME_HOURS), 500)
            log(f"  {result['derived_state']['mismatches']} mismatches; {result['service_check']}")
        result["server_peak_rss_mb_loading"] = round(server.memory_kb("VmHWM") / 1024, 1)
        result["latency"] = latencies(server, officer, url, as_at, args.requests)
        if work.singles:
            index, body = work.singles[0]
            resend = json.loads(body) | {"provider_id": provider_ids[index]}
            result["latency"]["summary_after_write"] = summary_after_writes(officer, resend, as_at)
        log("change feed, what we sent, returns and uploads")
        result["integrations"] = reads.measure(admin, officer, url, as_at, args.requests)
        log(f"  {result['integrations']}")
        result["extract"] = extract(server, inspector, officer, url, as_at)
        result["audit"] = audit_trail(admin, url, args.requests)
        result["race_probe"] = race_probe(server, admin, provider_ids, as_at)
        result["database_mb"] = _database_mb(url)
    finally:
        server.stop()
        if args.keep_db or reused:
            log(f"kept database {url}")
        elif sqlite_file:
            for leftover in Path(name).iterdir():
                leftover.unlink()
            Path(name).rmdir()
        else:
            drop_database(args.database_url, name)
    result["server_log"] = str(server.log_path)
    result["wall_seconds"] = round(time.perf_counter() - wall, 1)
    return result


def _first_http_week(scale: Scale, term_weeks: list[date]) -> str:
    """The week from which a bulk-loaded scale's records go over HTTP (none: after the last)."""
    if scale.http_weeks:
        return term_weeks[-scale.http_weeks].isoformat()
    return (term_weeks[-1] + WEEK).isoformat()


def _split(
    records: Iterator[dict[str, Any]], cut: str
) -> tuple[Iterator[dict[str, Any]], Iterator[dict[str, Any]]]:
    """The week-ordered records before ``cut``, and (once those are consumed) the rest."""
    pushed_back: list[dict[str, Any]] = []

    def before() -> Iterator[dict[str, Any]]:
        for record in records:
            if record["week_commencing"] >= cut:
                pushed_back.append(record)
                return
            yield record

    def after() -> Iterator[dict[str, Any]]:
        for _ in before():
            pass  # whatever the history did not consume
        yield from pushed_back
        yield from records

    return before(), after()


def ingest(
    url: str, server: Server, officer: http.Api, work: HttpWork, as_at: date, requests: int
) -> dict[str, Any]:
    """Each phase of batch ingest; dashboard reads while one runs; and the same rows written
    as fast as the database takes them (COPY; on SQLite, one executemany INSERT)."""
    result: dict[str, Any] = {"phases": []}
    postgres = not url.startswith("sqlite")
    for phase, streams in work.phases:
        count = sum(n for stream in streams for _, n in stream)
        log(f"ingest, {phase.label}: {count} records")
        readers = DashboardReader(server, officer, url, as_at) if phase == MIXED_PHASE else None
        if readers:
            readers.start()
        since = transaction_id(url) if phase == SAME_TABLES_PHASE and postgres else None
        outcome = (
            http.post_batches(officer, streams[0])
            if phase.clients == 1
            else http.post_batches_concurrently(officer, streams)
        )
        if readers:
            result["dashboards_during_ingest"] = readers.stop()
        log(f"  {outcome.summary()}")
        result["phases"].append(
            {"batch_size": phase.batch_size, "clients": phase.clients} | outcome.summary()
        )
        if since is not None and outcome.seconds:
            log("the same rows COPYed into the same tables")
            same = same_tables_copy(url, since, outcome.records)
            log(f"  {same}")
            result["same_tables_limit"] = same
            result["phases"][-1]["ratio_to_same_tables"] = round(
                outcome.records / outcome.seconds / same["records_per_second"], 4
            )
    seconds = _write_bare_rows(url, work.rows)
    limit = len(work.rows) / seconds
    log(f"bare rows: {len(work.rows)} in {seconds:.2f} s ({limit:.0f} rows/s)")
    result["limit"] = {
        "method": "INSERT (executemany) into a bare table" if url.startswith("sqlite") else "COPY",
        "records": len(work.rows),
        "seconds": round(seconds, 2),
        "records_per_second": round(limit, 1),
    }
    for phase in result["phases"]:
        if phase["records_per_second"]:
            phase["ratio_to_limit"] = round(phase["records_per_second"] / limit, 4)
    return result


def _write_bare_rows(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Seconds to write the rows into a bare table of the record's shape, the fastest way the
    database offers, in one transaction."""
    if url.startswith("sqlite"):
        return _insert_bare_rows(url.removeprefix("sqlite:///"), rows)
    lines = [copy_line(row) for row in rows]  # formatted before the clock starts
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(BARE_TABLE)
        connection.commit()
        started = time.perf_counter()
        copy_lines(cursor, f"COPY bench_copy_rows ({BARE_COLUMNS}) FROM STDIN", lines)
        connection.commit()
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_rows")
        connection.commit()
    return seconds


def _insert_bare_rows(path: str, rows: list[tuple[Any, ...]]) -> float:
    with sqlite3.connect(path) as database:
        database.execute(BARE_TABLE)
        marks = ", ".join("?" * len(BARE_COLUMNS.split(",")))
        started = time.perf_counter()
        database.executemany(
            f"INSERT INTO bench_copy_rows ({BARE_COLUMNS}) VALUES ({marks})",  # noqa: S608
            rows,
        )
        database.commit()
        seconds = time.perf_counter() - started
        database.execute("DROP TABLE bench_copy_rows")
    return seconds


class DashboardReader:
    """An LA officer's dashboard polling while schools push: the summary, a register page and
    a child's status, in turn, until stopped."""

    def __init__(self, server: Server, officer: http.Api, url: str, as_at: date) -> None:
        self.urls = _read_urls(url, as_at)
        self.server, self.officer = server, officer
        self.outcomes = {endpoint: http.Outcome() for endpoint in DURING_INGEST}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        return {endpoint: outcome.summary() for endpoint, outcome in self.outcomes.items()}

    def _run(self) -> None:
        with self.officer.session() as client:
            n = 0
            while not self._stop.is_set():
                for endpoint in DURING_INGEST:
                    headers = self.officer.headers()
                    sent = time.perf_counter()
                    response = client.get(self.urls[endpoint](n), headers=headers)
                    self.outcomes[endpoint].add(response, time.perf_counter() - sent, 1, ok=200)
                n += 1


def singles(admin: http.Api, provider_ids: list[int], work: HttpWork) -> dict[str, Any]:
    """The last week's records of the biggest providers, one POST each from its own client."""
    clients = {
        index: admin.new_client("provider", provider_ids[index])
        for index in {index for index, _ in work.singles}
    }
    log(f"single POSTs: {len(work.singles)} records from {len(clients)} provider clients")
    outcome = http.post_singles([(clients[index], body) for index, body in work.singles])
    log(f"  {outcome.summary()}")
    return outcome.summary() | {"provider_clients": len(clients)}


def _read_urls(url: str, as_at: date) -> dict[str, Callable[[int], str]]:
    """The dashboard reads, as at the last week; pupil status of children in a shuffled order."""
    engine = make_engine(sqlalchemy_url(url))
    with engine.connect() as connection:
        upns = list(connection.scalars(select(Pupil.upn).order_by(func.random()).limit(5000)))
    engine.dispose()
    trend_from = as_at - 11 * WEEK
    return {
        "pupil_status": lambda i: f"/api/v1/pupils/{upns[i % len(upns)]}?as_at={as_at}",
        "register_below_threshold": lambda _: (
            f"/api/v1/register?as_at={as_at}&below_threshold=true"
        ),
        "summary": lambda _: f"/api/v1/summary?as_at={as_at}",
        "trend": lambda _: f"/api/v1/summary/trend?from={trend_from}&to={as_at}",
        "alerts": lambda _: f"/api/v1/alerts?as_at={as_at}",
    }


def latencies(
    server: Server, officer: http.Api, url: str, as_at: date, requests: int
) -> dict[str, Any]:
    """p50/p99 of the reads LA dashboards make, as at the last week (no aggregate cache)."""
    urls = _read_urls(url, as_at)
    result: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        outcome = http.time_gets(officer, urls[endpoint], requests=requests, max_seconds=120)
        result[endpoint] = outcome.summary()
        log(f"{endpoint}: {result[endpoint]}")
    return result


def summary_after_writes(
    officer: http.Api, record: dict[str, Any], as_at: date, rounds: int = 10
) -> dict[str, Any]:
    """The summary when every read follows a write (each write re-judges a child, so nothing
    cached for the week survives): the dashboard during the school day's returns."""
    outcome = http.Outcome()
    with officer.session() as client:
        started = time.perf_counter()
        for n in range(rounds):
            changed = record | {"hours": float(record["hours"]) + (0.5 if n % 2 == 0 else 0)}
            client.post("/api/v1/provision-records", json=changed, headers=officer.headers())
            sent = time.perf_counter()
            response = client.get(f"/api/v1/summary?as_at={as_at}", headers=officer.headers())
            outcome.add(response, time.perf_counter() - sent, 1, ok=200)
        outcome.seconds = time.perf_counter() - started
    log(f"summary after a write: {outcome.summary()}")
    return outcome.summary()


def extract(
    server: Server, inspector: http.Api, officer: http.Api, url: str, as_at: date
) -> dict[str, Any]:
    """Stream the inspection extract (CSV, then JSON) from a freshly started server, with its
    resident memory sampled throughout and its high-water mark read afterwards."""
    server.restart()
    some_child = _read_urls(url, as_at)["pupil_status"](0)
    with httpx.Client(base_url=server.base_url, timeout=http.TIMEOUT) as client:
        # Warm the workers up as any running server would be.
        for _ in range(server.workers * 2):
            client.get(some_child, headers=officer.headers())
        headers = inspector.headers()
        # VmHWM already holds start-up's peak (argon2 hashing the admin secret takes 64 MiB),
        # so the sampled VmRSS peak is the figure that belongs to the extract.
        result: dict[str, Any] = {
            "server_rss_mb_before": round(server.memory_kb("VmRSS") / 1024, 1),
            "server_vmhwm_mb_before": round(server.memory_kb("VmHWM") / 1024, 1),
        }
        for kind, accept in (("csv", "text/csv"), ("json", "application/json")):
            size = lines = 0
            first_byte: float | None = None
            with RssSampler(server) as sampler:
                started = time.perf_counter()
                with client.stream(
                    "GET",
                    f"/api/v1/extracts/inspection?as_at={as_at}",
                    headers=headers | {"Accept": accept},
                ) as response:
                    status = response.status_code
                    media_type = response.headers.get("content-type", "")
                    for chunk in response.iter_bytes():
                        if first_byte is None:
                            first_byte = time.perf_counter() - started
                        size += len(chunk)
                        lines += chunk.count(b"\n")
                seconds = time.perf_counter() - started
            result[kind] = {
                "status": status,
                "content_type": media_type,
                "seconds": round(seconds, 2),
                "first_byte_seconds": round(first_byte, 3) if first_byte is not None else None,
                "megabytes": round(size / 1e6, 2),
                "lines": lines,
                "server_rss_mb_peak_sampled": round(sampler.peak_kb / 1024, 1),
                "server_vmhwm_mb_after": round(server.memory_kb("VmHWM") / 1024, 1),
            }
            log(f"extract {kind}: {result[kind]}")
    return result


def audit_trail(admin: http.Api, url: str, requests: int) -> dict[str, Any]:
    """The trail after the run (every child each call read is named): its rows and size, and
    how long GET /audit?upn=… takes to say who has seen a child."""
    engine = make_engine(sqlalchemy_url(url))
    with engine.connect() as connection:
        upns = list(connection.scalars(select(Pupil.upn).order_by(func.random()).limit(1000)))
    engine.dispose()
    outcome = http.time_gets(
        admin,
        lambda i: f"/api/v1/audit?upn={upns[i % len(upns)]}",
        requests=requests,
        max_seconds=120,
    )
    result: dict[str, Any] = {"who_has_seen": outcome.summary()}
    if not url.startswith("sqlite"):
        result |= audit_storage(url)
    log(f"audit: {result}")
    return result


def race_probe(
    server: Server, admin: http.Api, provider_ids: list[int], week: date, children: int = 40
) -> dict[str, Any]:
    """Two providers POST the same new child's same week at the same moment; does the register
    add both up? (Run last: it adds ``children`` children.)"""
    officer = admin.new_client("la_officer")
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)
    upns = []
    for n in range(children):
        body = f"801990025{n:03d}"
        upns.append(str(stdnum_upn.calc_check_digit(body)) + body)

    def send(provider_id: int, hours: float) -> None:
        with httpx.Client(base_url=server.base_url, timeout=http.TIMEOUT) as client:
            for upn in upns:
                record = {
                    "upn": upn,
                    "date_of_birth": "2012-03-04",
                    "week_commencing": week.isoformat(),
                    "hours": hours,
                    "provision_type": "alternative_provision",
                    "provider_id": provider_id,
                }
                headers = officer.headers()
                barrier.wait()
                response = client.post("/api/v1/provision-records", json=record, headers=headers)
                with lock:
                    statuses.append(response.status_code)

    threads = [
        threading.Thread(target=send, args=(provider_ids[0], 10.0)),
        threading.Thread(target=send, args=(provider_ids[1], 20.0)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wrong = 0
    with httpx.Client(base_url=server.base_url, timeout=http.TIMEOUT) as client:
        for upn in upns:
            response = client.get(f"/api/v1/pupils/{upn}?as_at={week}", headers=officer.headers())
            if response.status_code != 200 or response.json().get("total_hours") != 30:
                wrong += 1
    counts = {str(s): statuses.count(s) for s in sorted(set(statuses))}
    result = {"children": children, "statuses": counts, "wrong_totals": wrong}
    log(f"race probe: {result}")
    return result


def _provider_ids(url: str) -> list[int]:
    """The providers an earlier run registered, in the order it registered them."""
    with psycopg.connect(url) as connection:
        return [id for (id,) in connection.execute("SELECT id FROM providers ORDER BY id")]


def _count(url: str, table: str) -> int:
    engine = make_engine(sqlalchemy_url(url))
    with engine.connect() as connection:
        count = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()  # noqa: S608
    engine.dispose()
    return int(count or 0)


def _database_mb(url: str) -> float:
    if url.startswith("sqlite"):
        return round(Path(url.removeprefix("sqlite:///")).stat().st_size / 1e6, 1)
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    return round(int(row[0]) / 1e6, 1) if row else 0.0


def machine(server_url: str, workers: int) -> dict[str, Any]:
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "postgresql": server_version(server_url.rstrip("/") + "/postgres")
        if server_url.count("/") == 2
        else server_version(server_url),
        "sqlite": sqlite3.sqlite_version,
        "python": platform.python_version(),
        "workers": workers,
        "commit": _git("rev-parse", "--short", "HEAD"),
        # Code under test that differs from the commit (new files included).
        "uncommitted_changes": bool(_git("status", "--porcelain", "--", "app", "migrations")),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _git(*args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", *args],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return done.stdout.strip()


# --- Report ------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    """The figures side by side, one column per scale."""
    scales = results.get("scales", {})
    names = [name for name in SCALES if name in scales]
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, pick: Callable[[dict[str, Any]], Any]) -> None:
        cells = []
        for name in names:
            try:
                value = pick(scales[name])
            except (KeyError, TypeError, IndexError):
                value = None
            cells.append("n/a" if value is None else str(value))
        rows.append((label, cells))

    add("children", lambda s: s["children_total"])
    add("database, workers", lambda s: f"{s['database']}, {s['workers']}")
    add("records stored", lambda s: s["records_total"])
    add("weeks sent over HTTP", lambda s: s["http_weeks"])
    add("limit (COPY / bare INSERT) rec/s", lambda s: s["ingest"]["limit"]["records_per_second"])
    add(
        "limit (COPY into the same tables) rec/s",
        lambda s: s["ingest"]["same_tables_limit"]["records_per_second"],
    )
    for index in range(4):
        add(f"ingest phase {index + 1}", _phase_of(index))
    for endpoint in DURING_INGEST:
        add(f"during ingest: {endpoint} p50/p99 (ms)", _during_ingest(endpoint))
    add("single POST p50/p99 (ms)", lambda s: _p(s["single_post"]))
    for endpoint in ENDPOINTS:
        add(f"GET {endpoint} p50/p99 (ms)", _latency_of(endpoint))
        add(f"GET {endpoint} first request (ms)", _first_of(endpoint))
    add("GET summary after a write p50/max (ms)", _after_write)
    add(
        "change feed catch-up: changes, changes/s",
        lambda s: "{changes}, {changes_per_second}".format(**s["integrations"]["feed_catch_up"]),
    )
    for read in reads.read_urls(date.min, date.min, ""):
        add(f"GET {read} p50/p99 (ms)", _integration(("latency", read)))
    add("upload rows (a provider's week, at most 1,000)", _upload_rows)
    for kind in ("csv", "xlsx"):
        add(f"upload {kind} p50/p99 (ms)", _integration(("uploads", kind)))
    add("extract CSV seconds", lambda s: s["extract"]["csv"]["seconds"])
    add("extract CSV first byte (s)", lambda s: s["extract"]["csv"]["first_byte_seconds"])
    add("extract CSV rows", lambda s: s["extract"]["csv"]["lines"] - 1)
    add(
        "extract CSV server RSS peak (MB)",
        lambda s: s["extract"]["csv"]["server_rss_mb_peak_sampled"],
    )
    add(
        "extract JSON server RSS peak (MB)",
        lambda s: s["extract"]["json"]["server_rss_mb_peak_sampled"],
    )
    add("derived-state mismatches", lambda s: s["derived_state"]["mismatches"])
    add("service re-run differing rows", lambda s: s["service_check"]["differing_rows"])
    add("race probe wrong totals", lambda s: s["race_probe"]["wrong_totals"])
    add("errors (batch/single)", lambda s: _errors(s))
    add("wall time (s)", lambda s: s["wall_seconds"])

    width = max(len(label) for label, _ in rows)
    column = max([18, *(len(cell) for _, cells in rows for cell in cells)])
    lines = [f"{'':{width}}  " + "  ".join(f"{name:>{column}}" for name in names)]
    lines += [
        f"{label:{width}}  " + "  ".join(f"{cell:>{column}}" for cell in cells)
        for label, cells in rows
    ]
    return "\n".join(lines)


def _phase_of(index: int) -> Callable[[dict[str, Any]], Any]:
    def cell(scale: dict[str, Any]) -> str:
        phase = scale["ingest"]["phases"][index]
        same = phase.get("ratio_to_same_tables")
        return (
            f"{phase['batch_size']}x{phase['clients']}: {phase['records_per_second']:.0f} rec/s"
            f" = {phase['ratio_to_limit']:.2%}"
            + (f" ({same:.0%} of same tables)" if same is not None else "")
        )

    return cell


def _during_ingest(endpoint: str) -> Callable[[dict[str, Any]], Any]:
    return lambda scale: _p(scale["ingest"]["dashboards_during_ingest"][endpoint])


def _latency_of(endpoint: str) -> Callable[[dict[str, Any]], Any]:
    return lambda scale: _p(scale["latency"][endpoint])


def _integration(path: tuple[str, str]) -> Callable[[dict[str, Any]], Any]:
    return lambda scale: _p(scale["integrations"][path[0]][path[1]])


def _upload_rows(scale: dict[str, Any]) -> int:
    return int(scale["integrations"]["uploads"]["rows"])


def _after_write(scale: dict[str, Any]) -> str:
    summary = scale["latency"]["summary_after_write"]
    return f"{summary['p50_ms']} / {summary['max_ms']} (n={summary['requests']})"


def _first_of(endpoint: str) -> Callable[[dict[str, Any]], Any]:
    return lambda scale: scale["latency"][endpoint]["first_request_ms"]


def _p(summary: Any) -> str | None:
    if not isinstance(summary, dict):
        return str(summary)
    cell = f"{summary['p50_ms']} / {summary['p99_ms']}"
    return cell if summary["requests"] >= 100 else f"{cell} (n={summary['requests']})"


def _errors(scale: dict[str, Any]) -> str:
    phases = scale.get("ingest", {}).get("phases", [])
    single = scale.get("single_post", {}).get("errors", 0)
    return f"{sum(phase['errors'] for phase in phases)} / {single}"


def log(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
