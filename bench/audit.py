"""The audit trail's cost at scale: what naming every child each call read costs in storage
and in writing, and how long "who has seen this child?" takes to answer.

A focused measurement on a throwaway PostgreSQL database, through the service's own recording
and query functions (no HTTP): ``--children`` children, ``--extracts`` whole-register reads
(an inspection extract names every child) and one single-child read per child.

    .venv/bin/python -m bench.audit --children 100000 --extracts 20

``bench.run`` also reports the trail's rows and size at each scale (``audit`` in its results).
"""

import argparse
import json
import random
import statistics
import time
from datetime import date
from typing import Any

import psycopg
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.audit.service import child_ids_for_upn, find_events, record_event
from app.config import Settings
from app.database import make_engine, make_sessionmaker
from app.migrations import upgrade_to_head
from app.models import AuditChild, AuditEvent, Pupil
from bench.server import create_database, drop_database

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
TABLES = ("audit_events", "audit_event_children")


def seed(session: Session, *, children: int, extracts: int) -> dict[str, Any]:
    """Children, whole-register reads and one read per child; returns the write timings."""
    session.execute(
        insert(Pupil),
        [
            {"upn": f"A{n:012d}", "temporary_upn": False, "date_of_birth": date(2013, 5, 1)}
            for n in range(children)
        ],
    )
    pupil_ids = list(session.scalars(select(Pupil.id)))
    session.commit()
    extract_seconds = []
    for _ in range(extracts):
        started = time.perf_counter()
        record_event(
            session,
            client_id="inspector-bench",
            role="inspector",
            pupil_ids=pupil_ids,
            action="get_inspection_extract",
            method="GET",
            path="/api/v1/extracts/inspection",
            query={},
            status=200,
            address="127.0.0.1",
        )
        session.commit()
        extract_seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
    event_ids = session.scalars(
        insert(AuditEvent).returning(AuditEvent.id),
        [_single_read() for _ in pupil_ids],
    ).all()
    session.execute(
        insert(AuditChild),
        [
            {"pupil_id": pupil_id, "event_id": event_id}
            for pupil_id, event_id in zip(pupil_ids, event_ids, strict=True)
        ],
    )
    session.commit()
    return {
        "extract_audit_write_seconds": _summary(extract_seconds),
        "single_reads_write_seconds": round(time.perf_counter() - started, 1),
    }


def _single_read() -> dict[str, Any]:
    return {
        "client_id": "officer-bench",
        "role": "la_officer",
        "action": "get_pupil_status",
        "method": "GET",
        "path": "/api/v1/pupils/…",
        "query": {},
        "children": 1,
        "status": 200,
        "address": "127.0.0.1",
    }


def who_has_seen(session: Session, *, lookups: int, children: int, seed: int) -> dict[str, Any]:
    """Seconds to answer GET /audit?upn=… (its two queries) for random children."""
    chooser = random.Random(seed)
    seconds, found = [], []
    for _ in range(lookups):
        upn = f"A{chooser.randrange(children):012d}"
        started = time.perf_counter()
        events = find_events(
            session,
            client_id=None,
            action=None,
            pupil_ids=child_ids_for_upn(session, upn),
            first=None,
            last=None,
            before_id=None,
            limit=100,
        )
        seconds.append(time.perf_counter() - started)
        found.append(len(events))
    return {"seconds": _summary(seconds), "events_per_child": statistics.median(found)}


def storage(url: str) -> dict[str, Any]:
    """Rows and bytes (table and indexes) of the audit tables."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE audit_event_children")
        sizes = {}
        for table in TABLES:
            rows, total = connection.execute(
                f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}"  # noqa: S608
            ).fetchone() or (0, 0)
            sizes[table] = {
                "rows": rows,
                "megabytes": round(total / 1e6, 1),
                "bytes_per_row": round(total / rows, 1) if rows else None,
            }
    return sizes


def _summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50": round(statistics.median(ordered), 4),
        "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 4),
        "max": round(ordered[-1], 4),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_SERVER)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--extracts", type=int, default=20)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    name, url = create_database(args.database_url)
    try:
        settings = Settings(database_url=url)
        upgrade_to_head(settings)
        engine = make_engine(settings.sqlalchemy_url)
        with make_sessionmaker(engine)() as session:
            result: dict[str, Any] = {"children": args.children, "extracts": args.extracts}
            result |= seed(session, children=args.children, extracts=args.extracts)
            result["storage"] = storage(url)
            result["who_has_seen"] = who_has_seen(
                session, lookups=args.lookups, children=args.children, seed=args.seed
            )
        engine.dispose()
        print(json.dumps(result, indent=2))
    finally:
        drop_database(args.database_url, name)


if __name__ == "__main__":
    main()
