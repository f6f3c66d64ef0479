"""Ingest: validate against the register, store idempotently, re-judge the children touched."""

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Insert, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.auth.schemas import Principal, Role
from app.config import Settings
from app.errors import Conflict, Forbidden, InvalidContent
from app.models import DateOfBirthConflict, Provider, ProvisionRecord, Pupil
from app.provision.schemas import ProvisionRecordIn
from app.pupils.access import readable_pupil_ids
from app.pupils.upn import is_temporary_upn
from app.register.service import load_calendar, lock_calendar, refresh_judgements

# Fields copied verbatim from a record onto the stored row.
_RECORD_FIELDS = (
    "week_commencing",
    "hours",
    "hours_attended",
    "provision_type",
    "exclusion_type",
    "exclusion_start_date",
    "provision_start_date",
    "timetable_review_date",
    "timetable_end_date",
)


@dataclass(frozen=True)
class IngestResult:
    created: int
    replaced: int
    provider_ids: list[int]


class DateOfBirthMismatch(Conflict):
    """Records whose date of birth disagrees with the register; the conflicts are kept."""

    def __init__(
        self, detail: str, *, errors: list[dict[str, str]], seen: list[DateOfBirthConflict]
    ):
        super().__init__(detail, errors=errors)
        self.seen = seen


def ingest(
    session: Session,
    *,
    records: Sequence[ProvisionRecordIn],
    principal: Principal,
    settings: Settings,
    pointer_prefix: str = "",
) -> IngestResult:
    """Store the records all or nothing; re-sending a (UPN, provider, week) replaces it."""
    provider_ids = _resolve_providers(session, records, principal, pointer_prefix)
    _reject_repeated_keys(records, provider_ids, pointer_prefix)
    pupils = _pupils_for(session, records, provider_ids, principal, pointer_prefix)

    keys = [
        (pupils[r.upn].id, provider_id, r.week_commencing)
        for r, provider_id in zip(records, provider_ids, strict=True)
    ]
    existing = _existing_record_ids(session, keys)
    new_rows, replaced_rows = [], []
    for record, key in zip(records, keys, strict=True):
        row = {field: getattr(record, field) for field in _RECORD_FIELDS}
        row |= {"pupil_id": key[0], "provider_id": key[1], "reasons": list(record.reasons)}
        if key in existing:
            replaced_rows.append(row | {"id": existing[key]})
        else:
            new_rows.append(row)
    if new_rows:
        # render_nulls keeps rows with and without optional fields in one multi-row INSERT.
        session.execute(insert(ProvisionRecord).execution_options(render_nulls=True), new_rows)
    if replaced_rows:
        session.execute(update(ProvisionRecord), replaced_rows)

    changed_from: dict[int, date] = {}
    for pupil_id, _provider, week in keys:
        changed_from[pupil_id] = min(week, changed_from.get(pupil_id, week))
    lock_calendar(session, exclusive=False)
    refresh_judgements(
        session,
        changed_from=changed_from,
        full_time_hours=settings.full_time_hours,
        calendar=load_calendar(session),
    )
    return IngestResult(
        created=len(new_rows), replaced=len(replaced_rows), provider_ids=provider_ids
    )


def _resolve_providers(
    session: Session, records: Sequence[ProvisionRecordIn], principal: Principal, prefix: str
) -> list[int]:
    """The provider of each record: the caller's own, or the one an officer names."""
    if principal.role is Role.provider:
        assert principal.provider_id is not None
        if any(r.provider_id not in (None, principal.provider_id) for r in records):
            raise Forbidden("A provider may write only as itself.")
        return [principal.provider_id] * len(records)
    named = {r.provider_id for r in records if r.provider_id is not None}
    known = set(session.scalars(select(Provider.id).where(Provider.id.in_(named))))
    errors = [
        {
            "pointer": _pointer(prefix, i, "provider_id"),
            "detail": "required when an officer submits"
            if r.provider_id is None
            else "no such provider",
        }
        for i, r in enumerate(records)
        if r.provider_id not in known
    ]
    if errors:
        raise InvalidContent(f"{len(errors)} record(s) lack a known provider.", errors=errors)
    return [r.provider_id for r in records if r.provider_id is not None]


def _reject_repeated_keys(
    records: Sequence[ProvisionRecordIn], provider_ids: Sequence[int], prefix: str
) -> None:
    keys = [(r.upn, p, r.week_commencing) for r, p in zip(records, provider_ids, strict=True)]
    errors = [
        {
            "pointer": _pointer(prefix, i, "upn"),
            "detail": f"same UPN, provider and week as {prefix}/{first}",
        }
        for i, first in _repeats(keys)
    ]
    if errors:
        raise InvalidContent(
            "A batch may hold one record per UPN, provider and week.", errors=errors
        )


def _pupils_for(
    session: Session,
    records: Sequence[ProvisionRecordIn],
    provider_ids: Sequence[int],
    principal: Principal,
    prefix: str,
) -> dict[str, Pupil]:
    """The register's child for each UPN, creating new ones; a date of birth never changes.

    The children's rows stay locked until the transaction ends, so concurrent submissions for
    the same child take turns (their judgements depend on each other's records).
    """
    _reject_inconsistent_dates_of_birth(records, prefix)
    pupils = _locked_pupils(session, {r.upn for r in records})
    known = {upn: pupil.id for upn, pupil in pupils.items()}
    visible = readable_pupil_ids(session, principal, list(known.values()))
    new_rows = {
        r.upn: {
            "upn": r.upn,
            "temporary_upn": is_temporary_upn(r.upn),
            "date_of_birth": r.date_of_birth,
        }
        for r in records
        if r.upn not in pupils
    }
    if new_rows:
        session.execute(_insert_ignoring_duplicates(session).values(list(new_rows.values())))
        pupils |= _locked_pupils(session, set(new_rows))
    errors, seen = [], []
    for i, (record, provider_id) in enumerate(zip(records, provider_ids, strict=True)):
        pupil = pupils[record.upn]
        if pupil.date_of_birth != record.date_of_birth:
            # Only a caller who may read the child is told the date of birth the register holds.
            held = pupil.date_of_birth if pupil.id in visible else "a different date"
            errors.append(
                {
                    "pointer": _pointer(prefix, i, "date_of_birth"),
                    "detail": f"UPN {record.upn} is on the register with date of birth "
                    f"{held}; this record says {record.date_of_birth}",
                }
            )
            seen.append(
                DateOfBirthConflict(
                    pupil_id=pupil.id,
                    provider_id=provider_id,
                    date_of_birth_sent=record.date_of_birth,
                )
            )
        # The latest name sent is kept, so officers can find the child; extracts never show it.
        # Only a provider who may read the child (or is the first to send it) may rename it.
        if record.upn not in known or pupil.id in visible:
            pupil.given_name = record.given_name or pupil.given_name
            pupil.family_name = record.family_name or pupil.family_name
    if errors:
        raise DateOfBirthMismatch(
            "A UPN was sent with a different date of birth; nothing was stored. "
            "Check the child's record, or ask the LA to correct the register.",
            errors=errors,
            seen=seen,
        )
    session.flush()
    return pupils


def _reject_inconsistent_dates_of_birth(records: Sequence[ProvisionRecordIn], prefix: str) -> None:
    """A batch must agree with itself, before the register is consulted (so the answer says
    nothing about who is on the register)."""
    errors = [
        {
            "pointer": _pointer(prefix, i, "date_of_birth"),
            "detail": f"differs from the date of birth in {prefix}/{first} for the same UPN",
        }
        for i, first in _repeats([r.upn for r in records])
        if records[i].date_of_birth != records[first].date_of_birth
    ]
    if errors:
        raise InvalidContent("A UPN appears with different dates of birth.", errors=errors)


def _repeats(keys: Sequence[Hashable]) -> Iterator[tuple[int, int]]:
    """(index, index of the first with the same key) for every key seen before."""
    first: dict[Hashable, int] = {}
    for index, key in enumerate(keys):
        earlier = first.setdefault(key, index)
        if earlier != index:
            yield index, earlier


def _locked_pupils(session: Session, upns: set[str]) -> dict[str, Pupil]:
    """The children with these UPNs, locked in id order so that no two writers deadlock."""
    query = select(Pupil).where(Pupil.upn.in_(upns)).order_by(Pupil.id).with_for_update()
    return {pupil.upn: pupil for pupil in session.scalars(query)}


def _insert_ignoring_duplicates(session: Session) -> Insert:
    """INSERT that skips children another writer has just added (both databases support it)."""
    insert_for = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgres_insert
    return insert_for(Pupil).on_conflict_do_nothing(index_elements=[Pupil.upn])


def _existing_record_ids(
    session: Session, keys: Sequence[tuple[int, int, date]]
) -> dict[tuple[int, int, date], int]:
    """The id of each stored record with one of these keys."""
    pupil_ids = {k[0] for k in keys}
    weeks = {k[2] for k in keys}
    rows = session.execute(
        select(
            ProvisionRecord.pupil_id,
            ProvisionRecord.provider_id,
            ProvisionRecord.week_commencing,
            ProvisionRecord.id,
        ).where(
            ProvisionRecord.pupil_id.in_(pupil_ids),
            ProvisionRecord.week_commencing.in_(weeks),
            ProvisionRecord.provider_id.in_({k[1] for k in keys}),
        )
    )
    wanted = set(keys)
    return {(p, pr, w): rid for p, pr, w, rid in rows if (p, pr, w) in wanted}


def _pointer(prefix: str, index: int, field: str) -> str:
    """/records/<i>/<field> in a batch, /<field> for a single record."""
    return f"{prefix}/{index}/{field}" if prefix else f"/{field}"
