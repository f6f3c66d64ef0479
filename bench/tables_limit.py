"""The second ingest limit: COPY of exactly the rows an ingest phase wrote, into copies of the
same tables holding the same other rows and the same indexes.

Raw COPY into one unindexed table is the database's speed of writing bytes; this is its speed
of writing what the register keeps (records, versions, arrangements, register weeks, tallies,
the audit trail), with every index maintained, and no judging. A row written by the phase is
one whose ``xmin`` is a transaction begun after the phase started (PostgreSQL only)."""

import time
from typing import Any

import psycopg
from psycopg import sql

SCHEMA = "bench_same_tables"


def transaction_id(url: str) -> int:
    """The current transaction id (32-bit, as ``xmin`` shows it): later ones are newer."""
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT txid_current() % 4294967296").fetchone()
    assert row is not None
    return int(row[0])


def same_tables_copy(url: str, since: int, records: int) -> dict[str, Any]:
    """Seconds to COPY the rows written since transaction ``since`` into copies of their
    tables holding every other row, in one transaction; and the records-per-second limit."""
    with psycopg.connect(url, autocommit=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version' ORDER BY tablename"
            )
        ]
        schema = sql.Identifier(SCHEMA)
        connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(schema))
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
        written: dict[str, bytes] = {}
        rows: dict[str, int] = {}
        for table in tables:
            source = sql.Identifier("public", table)
            newer = sql.SQL("xmin::text::bigint >= {}").format(sql.Literal(since))
            count = connection.execute(
                sql.SQL("SELECT count(*) FROM {} WHERE {}").format(source, newer)
            ).fetchone()
            if not count or not count[0]:
                continue
            rows[table] = int(count[0])
            copy = sql.Identifier(SCHEMA, table)
            connection.execute(
                sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(copy, source)
            )
            connection.execute(
                sql.SQL(
                    "INSERT INTO {} OVERRIDING SYSTEM VALUE SELECT * FROM {} WHERE NOT {}"
                ).format(copy, source, newer)
            )
            buffer = bytearray()
            with connection.cursor().copy(
                sql.SQL("COPY (SELECT * FROM {} WHERE {}) TO STDOUT").format(source, newer)
            ) as out:
                for chunk in out:
                    buffer += chunk
            written[table] = bytes(buffer)
        connection.execute(sql.SQL("ANALYZE"))
        connection.autocommit = False
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, data in written.items():
                target = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(SCHEMA, table))
                with cursor.copy(target) as into:
                    into.write(data)
        connection.commit()
        seconds = time.perf_counter() - started
        connection.autocommit = True
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(schema))
    return {
        "method": "COPY of the rows the phase wrote into copies of the same tables, holding "
        "their other rows, with the same indexes (one transaction)",
        "rows_by_table": rows,
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds, 1) if seconds else None,
    }
