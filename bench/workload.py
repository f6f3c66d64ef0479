"""The HTTP workload, serialised before any clock starts: batches, single records, COPY rows."""

import json
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.load import copy_line

BATCH_SIZE = 1000
# The shape of a provision record, without the register's keys: what COPY is compared with.
BARE_TABLE = """
CREATE TABLE bench_copy_rows (
    upn varchar(13) NOT NULL,
    date_of_birth date NOT NULL,
    provider_id integer NOT NULL,
    week_commencing date NOT NULL,
    hours numeric(5, 2) NOT NULL,
    hours_attended numeric(5, 2),
    provision_type varchar(30) NOT NULL,
    reasons json NOT NULL,
    exclusion_type varchar(20),
    exclusion_start_date date,
    provision_start_date date,
    timetable_review_date date,
    timetable_end_date date,
    provision_end_date date,
    end_reason varchar(40)
)
"""
BARE_COLUMNS = (
    "upn, date_of_birth, provider_id, week_commencing, hours, hours_attended, provision_type, "
    "reasons, exclusion_type, exclusion_start_date, provision_start_date, timetable_review_date, "
    "timetable_end_date, provision_end_date, end_reason"
)

Batch = tuple[bytes, int]  # a request body and how many records it holds


@dataclass
class _Record:
    week: str
    upn: str
    provider_index: int
    body: bytes  # the record as JSON, without provider_id


@dataclass
class HttpWork:
    """What the HTTP phases send, split the way each phase sends it."""

    one_client: list[Batch] = field(default_factory=list)
    concurrent: list[list[Batch]] = field(default_factory=list)
    singles: list[tuple[int, bytes]] = field(default_factory=list)  # provider index, body
    copy_rows: list[bytes] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)

    @property
    def one_client_records(self) -> int:
        return sum(count for _, count in self.one_client)

    @property
    def concurrent_records(self) -> int:
        return sum(count for stream in self.concurrent for _, count in stream)


def prepare(
    records: Iterable[dict[str, Any]],
    provider_ids: list[int],
    *,
    singles: int,
    clients: int,
) -> HttpWork:
    """Serialise the records; the last week's records of the biggest providers (up to
    ``singles``) go one per request, the rest in batches: the first half of the weeks from one
    client, the second half from ``clients`` clients, each owning a share of the children."""
    held: list[_Record] = []
    for record in records:
        body = {key: value for key, value in record.items() if key != "provider_index"}
        held.append(
            _Record(
                record["week_commencing"],
                record["upn"],
                record["provider_index"],
                json.dumps(body, separators=(",", ":")).encode(),
            )
        )
    work = HttpWork(weeks=sorted({r.week for r in held}))
    if not held:
        return work
    last_week = work.weeks[-1]
    split_week = work.weeks[len(work.weeks) // 2] if len(work.weeks) > 1 else last_week

    per_provider = Counter(r.provider_index for r in held if r.week == last_week)
    chosen: set[int] = set()
    covered = 0
    for provider_index, count in per_provider.most_common():
        if covered >= singles:
            break
        chosen.add(provider_index)
        covered += count
    single_ids: set[int] = set()
    for n, r in enumerate(held):
        if len(single_ids) < singles and r.week == last_week and r.provider_index in chosen:
            single_ids.add(n)
            work.singles.append((r.provider_index, r.body))

    streams: list[list[list[_Record]]] = [[] for _ in range(clients + 1)]  # 0 = one client
    for n, r in enumerate(held):
        if n in single_ids:
            continue
        stream = 0 if r.week < split_week else 1 + zlib.crc32(r.upn.encode()) % clients
        units = streams[stream]
        # A child's records for one week stay together, so no two clients ever hold the same
        # child-week: the benchmark measures throughput, not the same child raced.
        if units and units[-1][-1].upn == r.upn and units[-1][-1].week == r.week:
            units[-1].append(r)
        else:
            units.append([r])
        work.copy_rows.append(_bare_row(r, provider_ids))
    work.one_client = _batches(streams[0], provider_ids)
    work.concurrent = [_batches(units, provider_ids) for units in streams[1:]]
    return work


def _batches(units: list[list[_Record]], provider_ids: list[int]) -> list[Batch]:
    batches: list[Batch] = []
    current: list[bytes] = []
    for unit in units:
        if current and len(current) + len(unit) > BATCH_SIZE:
            batches.append((b'{"records":[' + b",".join(current) + b"]}", len(current)))
            current = []
        current += [_with_provider(r, provider_ids) for r in unit]
    if current:
        batches.append((b'{"records":[' + b",".join(current) + b"]}", len(current)))
    return batches


def _with_provider(record: _Record, provider_ids: list[int]) -> bytes:
    return record.body[:-1] + b',"provider_id":%d}' % provider_ids[record.provider_index]


def _bare_row(record: _Record, provider_ids: list[int]) -> bytes:
    body = json.loads(record.body)
    return copy_line(
        (
            body["upn"],
            body["date_of_birth"],
            provider_ids[record.provider_index],
            body["week_commencing"],
            body["hours"],
            body["hours_attended"],
            body["provision_type"],
            json.dumps(body["reasons"]),
            body["exclusion_type"],
            body["exclusion_start_date"],
            body["provision_start_date"],
            body["timetable_review_date"],
            body["timetable_end_date"],
            body["provision_end_date"],
            body["end_reason"],
        )
    )
