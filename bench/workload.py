"""The HTTP workload, serialised before any clock starts: batches by phase, single records, and
the same records as bare rows for the COPY (or, on SQLite, INSERT) they are compared with."""

import json
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Phase:
    """One way of pushing: batches of ``batch_size`` records from ``clients`` clients at once,
    each client sending its own share of the children."""

    batch_size: int
    clients: int

    @property
    def label(self) -> str:
        return f"batches of {self.batch_size:,}, {self.clients} client{'s' * (self.clients > 1)}"


PHASES = (Phase(1000, 1), Phase(1000, 4), Phase(5000, 1), Phase(5000, 4))


@dataclass
class HttpWork:
    """What the HTTP phases send, serialised before any clock starts: each phase's batches as
    one stream per client, single records, and the same records as rows for COPY."""

    phases: list[tuple[Phase, list[list[Batch]]]] = field(default_factory=list)
    singles: list[tuple[int, bytes]] = field(default_factory=list)  # provider index, body
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)


def prepare(
    records: Iterable[dict[str, Any]],
    provider_ids: list[int],
    *,
    singles: int,
    phases: Sequence[Phase] = PHASES,
) -> HttpWork:
    """Serialise the records: the last week's records of the biggest providers (up to
    ``singles``) go one per request; the weeks before are shared out between the phases in
    order, a phase's weeks split between its clients by child."""
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

    batched = [r for n, r in enumerate(held) if n not in single_ids]
    weeks = sorted({r.week for r in batched})
    share = max(1, -(-len(weeks) // len(phases)))  # weeks per phase, rounded up
    phase_of = {week: phases[min(i // share, len(phases) - 1)] for i, week in enumerate(weeks)}
    streams: dict[Phase, list[list[list[_Record]]]] = {
        phase: [[] for _ in range(phase.clients)] for phase in phases
    }
    for r in batched:
        phase = phase_of[r.week]
        units = streams[phase][zlib.crc32(r.upn.encode()) % phase.clients]
        # A child's records for one week stay together, so no two clients ever hold the same
        # child-week: the benchmark measures throughput, not the same child raced.
        if units and units[-1][-1].upn == r.upn and units[-1][-1].week == r.week:
            units[-1].append(r)
        else:
            units.append([r])
        work.rows.append(_bare_row(r, provider_ids))
    work.phases = [
        (phase, [_batches(units, provider_ids, phase.batch_size) for units in streams[phase]])
        for phase in phases
        if any(streams[phase])
    ]
    return work


def _batches(units: list[list[_Record]], provider_ids: list[int], size: int) -> list[Batch]:
    batches: list[Batch] = []
    current: list[bytes] = []
    for unit in units:
        if current and len(current) + len(unit) > size:
            batches.append((b'{"records":[' + b",".join(current) + b"]}", len(current)))
            current = []
        current += [_with_provider(r, provider_ids) for r in unit]
    if current:
        batches.append((b'{"records":[' + b",".join(current) + b"]}", len(current)))
    return batches


def _with_provider(record: _Record, provider_ids: list[int]) -> bytes:
    return record.body[:-1] + b',"provider_id":%d}' % provider_ids[record.provider_index]


def _bare_row(record: _Record, provider_ids: list[int]) -> tuple[Any, ...]:
    body = json.loads(record.body)
    return (
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
