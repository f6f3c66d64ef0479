"""Ingest: validate against the register, store idempotently, keep every version, re-judge the
children touched; and withdrawing a record sent in error."""

import logging
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Integer,
    String,
    and_,
    delete,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from app.auth.schemas import Principal, Role
from app.bulk import children, insert_into, rows
from app.config import Settings
from app.errors import Conflict, Forbidden, InvalidContent, NotFound, TooManyRequests
from app.history.service import RECORD_FIELDS, History, record_details
from app.inputs import LONDON, today
from app.models import DateOfBirthConflict, Provider, ProvisionRecord, Pupil, Revision
from app.models import Provision as ProvisionRow
from app.providers.acting import acting_provider
from app.provision.ends import Ended, end_provision, providers_to_end
from app.provision.schemas import ProvisionEndIn, ProvisionRecordIn, RecordWarning
from app.pupils.access import readable_pupil_ids
from app.pupils.upn import is_temporary_upn
from app.register.derived import Changes, refresh
from app.register.rules import SchoolAge, compulsory_school_age
from app.register.service import load_calendar, lock_calendar
from app.vocabulary import Reason

Key = tuple[int, int, date]  # child, provider, week
KEY_COLUMNS = (("pupil_id", Integer()), ("provider_id", Integer()), ("week_commencing", Date()))
# A record's fields, typed as its columns, in RECORD_FIELDS order.
FIELD_COLUMNS = tuple((name, getattr(ProvisionRecord, name).type) for name in RECORD_FIELDS)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    created: int
    replaced: int
    provider_ids: list[int]
    pupil_ids: list[int]  # the children written, for the audit trail
    ended: list[Ended]
    warnings: list[RecordWarning]


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
    """Store the records all or nothing; re-sending a (UPN, provider, week) replaces it.

    A record sent again unchanged is counted as replaced but makes no new version.
    """
    provider_ids = _resolve_providers(session, records, principal, pointer_prefix)
    _reject_repeated_keys(records, provider_ids, pointer_prefix)
    pupils = _pupils_for(session, records, provider_ids, principal, pointer_prefix, settings)

    keys = [
        (pupils[r.upn], provider_id, r.week_commencing)
        for r, provider_id in zip(records, provider_ids, strict=True)
    ]
    existing = _stored_details(session, keys)
    history = History(session, principal.client_id)
    changes = Changes()
    new_rows, changed_rows = [], []
    for record, key in zip(records, keys, strict=True):
        pupil_id, provider_id, week = key
        fields = tuple(getattr(record, name) for name in RECORD_FIELDS)
        details = record_details(dict(zip(RECORD_FIELDS, fields, strict=True)))
        stored = existing.get(key)
        if stored is None:
            new_rows.append((*key, *fields))
            changes.created(pupil_id, provider_id, week)
        elif stored[1] != details:
            changed_rows.append((stored[0], *fields))
            changes.touch(pupil_id, week)
        else:
            continue
        history.keep(
            pupil_id=pupil_id,
            provider_id=provider_id,
            action="replaced" if stored else "created",
            week_commencing=week,
            details=details,
        )
    if new_rows:
        source = rows(session, "sent", KEY_COLUMNS + FIELD_COLUMNS, new_rows)
        names = [name for name, _ in KEY_COLUMNS + FIELD_COLUMNS]
        session.execute(insert(ProvisionRecord).from_select(names, select(source)))
    if changed_rows:
        source = rows(session, "resent", (("id", Integer()), *FIELD_COLUMNS), changed_rows)
        session.execute(
            update(ProvisionRecord)
            .where(ProvisionRecord.id == source.c.id)
            .values(
                {name: source.c[name] for name, _ in FIELD_COLUMNS} | {"updated_at": func.now()}
            )
            .execution_options(synchronize_session=False)
        )
    ended = _end_provisions(session, records, keys, history, changes, pointer_prefix)
    apply_changes(session, history, changes, settings=settings)
    return IngestResult(
        created=len(new_rows),
        replaced=len(records) - len(new_rows),
        provider_ids=provider_ids,
        pupil_ids=sorted(set(pupils.values())),
        ended=ended,
        warnings=[
            *_school_age_warnings(records, pointer_prefix),
            *_timetable_warnings(records, pointer_prefix),
            *_implausible_warnings(session, keys, settings.max_weekly_hours, pointer_prefix),
        ],
    )


def _end_provisions(
    session: Session,
    records: Sequence[ProvisionRecordIn],
    keys: Sequence[Key],
    history: History,
    changes: Changes,
    prefix: str,
) -> list[Ended]:
    """The ends the records state, earliest first, so that a batch may end one arrangement and
    start the next for the same child in any row order (a half-termly sheet does)."""
    sent: dict[tuple[int, int], set[date]] = defaultdict(set)
    for pupil_id, provider_id, week in keys:
        sent[pupil_id, provider_id].add(week)
    stated = sorted(
        (record.provision_end_date, index, record.end_reason, keys[index])
        for index, record in enumerate(records)
        if record.provision_end_date is not None and record.end_reason is not None
    )
    return [
        end_provision(
            session,
            history=history,
            changes=changes,
            pupil_id=pupil_id,
            provider_id=provider_id,
            end_date=end_date,
            end_reason=end_reason,
            pointer=_pointer(prefix, index, "provision_end_date"),
            sent_with_it=sent[pupil_id, provider_id],
        )
        for end_date, index, end_reason, (pupil_id, provider_id, _) in stated
    ]


def apply_changes(
    session: Session, history: History, changes: Changes, *, settings: Settings
) -> Revision | None:
    """Finish a write: re-judge what changed against a steady calendar, then keep the versions
    (with a ``left_register`` version for each child the write left with no open provision)."""
    if changes.weeks:
        lock_calendar(session, exclusive=False)
        was_open = _with_open_provision(session, changes.weeks)
        refresh(
            session,
            changes,
            full_time=settings.full_time,
            alert_days=settings.missed_school_days_alert,
            calendar=load_calendar(session),
        )
        history.left_register(was_open - _with_open_provision(session, changes.weeks))
    return history.close()


def end_for_child(
    session: Session,
    *,
    principal: Principal,
    pupil: Pupil,
    provider_id: int | None,
    end_date: date,
    end_reason: str,
    settings: Settings,
) -> list[Ended]:
    """End a child's provision: a provider's own, the named provider's, or (an officer naming
    none) every open one."""
    if principal.role is Role.provider or provider_id is not None:
        provider_ids = [acting_provider(principal, provider_id, where={"pointer": "/provider_id"})]
        if session.get(Provider, provider_ids[0]) is None:
            raise InvalidContent(
                f"No provider {provider_ids[0]}.",
                errors=[{"pointer": "/provider_id", "detail": "no such provider"}],
            )
    else:
        provider_ids = providers_to_end(session, pupil.id)
        if not provider_ids:
            raise NotFound(f"UPN {pupil.upn} has no provision to end.")
    history = History(session, principal.client_id)
    changes = Changes()
    ended = [
        end_provision(
            session,
            history=history,
            changes=changes,
            pupil_id=pupil.id,
            provider_id=provider,
            end_date=end_date,
            end_reason=end_reason,
            pointer="/end_date",
        )
        for provider in provider_ids
    ]
    apply_changes(session, history, changes, settings=settings)
    return ended


def _with_open_provision(session: Session, pupil_ids: Iterable[int]) -> set[int]:
    """Which of these children have a provision with no end (rule 6), as the derived state says."""
    these = children(session, "children", pupil_ids)
    return set(
        session.scalars(
            select(ProvisionRow.pupil_id)
            .join(these, these.c.pupil_id == ProvisionRow.pupil_id)
            .where(ProvisionRow.end_date.is_(None))
            .distinct()
        )
    )


def end_provisions(
    session: Session,
    *,
    principal: Principal,
    pupil: Pupil,
    request: ProvisionEndIn,
    settings: Settings,
) -> list[Ended]:
    """End a child's provision: the caller's own (a provider), the one named, or (an LA
    officer naming none) every open one; the child leaves the register once all have ended."""
    if pupil.date_of_birth != request.date_of_birth:
        raise DateOfBirthMismatch(
            "The date of birth differs from the register's; nothing was stored.",
            errors=[
                {
                    "pointer": "/date_of_birth",
                    "detail": f"UPN {pupil.upn} is on the register with date of birth "
                    f"{pupil.date_of_birth}; this says {request.date_of_birth}",
                }
            ],
            seen=[
                DateOfBirthConflict(
                    pupil_id=pupil.id,
                    provider_id=principal.provider_id,
                    date_of_birth_sent=request.date_of_birth,
                )
            ],
        )
    return end_for_child(
        session,
        principal=principal,
        pupil=pupil,
        provider_id=request.provider_id,
        end_date=request.end_date,
        end_reason=request.end_reason,
        settings=settings,
    )


def withdraw(
    session: Session,
    *,
    principal: Principal,
    pupil: Pupil,
    provider_id: int,
    week_commencing: date,
    settings: Settings,
) -> None:
    """Withdraw a record sent in error (rule 9): as if never sent for every judgement, but kept
    in the child's history."""
    record = session.scalar(
        select(ProvisionRecord).where(
            ProvisionRecord.pupil_id == pupil.id,
            ProvisionRecord.provider_id == provider_id,
            ProvisionRecord.week_commencing == week_commencing,
        )
    )
    if record is None:
        raise NotFound(
            f"No record from provider {provider_id} for UPN {pupil.upn} in the week of "
            f"{week_commencing}."
        )
    history = History(session, principal.client_id)
    history.keep(
        pupil_id=pupil.id,
        provider_id=provider_id,
        action="withdrawn",
        week_commencing=week_commencing,
        details=record_details({name: getattr(record, name) for name in RECORD_FIELDS}),
    )
    session.execute(delete(ProvisionRecord).where(ProvisionRecord.id == record.id))
    changes = Changes()
    changes.rearranged(pupil.id, provider_id, week_commencing)
    apply_changes(session, history, changes, settings=settings)


def _school_age_warnings(records: Sequence[ProvisionRecordIn], prefix: str) -> list[RecordWarning]:
    """A record for a week outside compulsory school age is stored but not judged (rule 8);
    say so, as it often means a mistyped date of birth."""
    school_age = cache(compulsory_school_age)
    return [
        RecordWarning(
            pointer=_pointer(prefix, index, "date_of_birth"),
            detail=_outside(record.week_commencing, record.date_of_birth, age),
        )
        for index, record in enumerate(records)
        if not (age := school_age(record.date_of_birth)).covers(record.week_commencing)
    ]


# What a part-time timetable should carry (rule 13): time-limited, reviewed, agreed.
TIMETABLE_TERMS = {
    "timetable_end_date": "a part-time timetable should be time-limited: give the date it ends",
    "timetable_review_date": "a part-time timetable should be reviewed: give the review date",
    "parent_agreed_on": "a part-time timetable should be agreed with a parent: give the date",
}


def _timetable_warnings(records: Sequence[ProvisionRecordIn], prefix: str) -> list[RecordWarning]:
    """Each date a part-time-timetable record is stored without."""
    return [
        RecordWarning(pointer=_pointer(prefix, index, name), detail=detail)
        for index, record in enumerate(records)
        if Reason.part_time_timetable in record.reasons
        for name, detail in TIMETABLE_TERMS.items()
        if getattr(record, name) is None
    ]


def _implausible_warnings(
    session: Session, keys: Sequence[Key], most: Decimal, prefix: str
) -> list[RecordWarning]:
    """Records whose week now adds up to more hours than a week can hold (rule 14)."""
    sent = {(pupil_id, week) for pupil_id, _, week in keys}
    totals = {
        (pupil_id, week): total
        for pupil_id, week, total in session.execute(
            select(
                ProvisionRecord.pupil_id,
                ProvisionRecord.week_commencing,
                func.sum(ProvisionRecord.hours),
            )
            .where(
                ProvisionRecord.pupil_id.in_({pupil_id for pupil_id, _ in sent}),
                ProvisionRecord.week_commencing.in_({week for _, week in sent}),
            )
            .group_by(ProvisionRecord.pupil_id, ProvisionRecord.week_commencing)
            .having(func.sum(ProvisionRecord.hours) > most)
        )
    }
    return [
        RecordWarning(
            pointer=_pointer(prefix, index, "hours"),
            detail=f"the child's week of {week} now adds up to {totals[pupil_id, week]} hours "
            f"across providers, more than {most}: stored, and alerted as implausible until "
            "corrected. Check the hours.",
        )
        for index, (pupil_id, _, week) in enumerate(keys)
        if (pupil_id, week) in totals
    ]


def _outside(week: date, born: date, age: SchoolAge) -> str:
    return (
        f"the week of {week} is outside compulsory school age for a child born {born} "
        f"({age.starts} to {age.ends}); the record is stored but the week is not judged. "
        "Check the date of birth."
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
    settings: Settings,
) -> dict[str, int]:
    """The register's child (id) for each UPN, creating new ones; a date of birth never changes.

    The children's rows stay locked until the transaction ends, so concurrent submissions for
    the same child take turns (their judgements depend on each other's records).
    """
    _reject_inconsistent_dates_of_birth(records, prefix)
    sent = {r.upn: r for r in records}
    born = _locked_children(session, sent)
    known = dict(born)
    if principal.role is Role.provider:
        _within_conflict_budget(
            session, principal, len(sent), [child for child, _ in born.values()], settings
        )
    new = [
        (upn, is_temporary_upn(upn), r.date_of_birth) for upn, r in sent.items() if upn not in born
    ]
    if new:
        source = rows(
            session,
            "new_children",
            (("upn", String()), ("temporary_upn", Boolean()), ("date_of_birth", Date())),
            new,
        )
        session.execute(
            insert_into(session, Pupil)
            .from_select(["upn", "temporary_upn", "date_of_birth"], select(source).where(true()))
            .on_conflict_do_nothing(index_elements=["upn"])
        )
        born |= _locked_children(session, {upn: sent[upn] for upn, _, _ in new})
    mismatched = [
        (i, record, provider_id)
        for i, (record, provider_id) in enumerate(zip(records, provider_ids, strict=True))
        if born[record.upn][1] != record.date_of_birth
    ]
    named = [r for r in sent.values() if r.given_name or r.family_name]
    visible = (
        readable_pupil_ids(
            session,
            principal,
            [known[r.upn][0] for r in named + [m[1] for m in mismatched] if r.upn in known],
        )
        if mismatched or named
        else set()
    )
    if mismatched:
        # A clash on a child the caller may not read is never pinned to its record: which UPN
        # clashed would tell a provider that a child it never sent is on the register. Beside a
        # clash on its own child it is not mentioned at all, so the answer is the same whether
        # the other UPNs are on the register or not; alone, it is one guess, counted against
        # the provider's daily budget.
        hidden = [m for m in mismatched if born[m[1].upn][0] not in visible]
        shown = [m for m in mismatched if born[m[1].upn][0] in visible]
        raise DateOfBirthMismatch(
            "A UPN was sent with a different date of birth; nothing was stored. "
            "Check the child's record, or ask the LA to correct the register.",
            errors=[
                {
                    "pointer": _pointer(prefix, i, "date_of_birth"),
                    "detail": f"UPN {record.upn} is on the register with date of birth "
                    f"{born[record.upn][1]}; this record says {record.date_of_birth}",
                }
                for i, record, _ in shown
            ]
            + (
                [
                    {
                        "pointer": prefix,
                        "detail": "a record's date of birth differs from the register's for a "
                        "child you have not sent before; the LA has been told and will check",
                    }
                ]
                if hidden and not shown
                else []
            ),
            seen=[
                DateOfBirthConflict(
                    pupil_id=born[record.upn][0],
                    provider_id=provider_id,
                    date_of_birth_sent=record.date_of_birth,
                )
                for _, record, provider_id in mismatched
            ],
        )
    # The latest name sent is kept, so officers can find the child; extracts never show it.
    # Only a provider who may read the child (or is the first to send it) may rename it.
    renamed = [
        (born[r.upn][0], r.given_name, r.family_name)
        for r in named
        if r.upn not in known or known[r.upn][0] in visible
    ]
    if renamed:
        source = rows(
            session,
            "names",
            (("id", Integer()), ("given_name", String()), ("family_name", String())),
            renamed,
        )
        session.execute(
            update(Pupil)
            .where(Pupil.id == source.c.id)
            .values(
                given_name=func.coalesce(source.c.given_name, Pupil.given_name),
                family_name=func.coalesce(source.c.family_name, Pupil.family_name),
            )
            .execution_options(synchronize_session=False)
        )
    return {upn: child[0] for upn, child in born.items()}


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


def _within_conflict_budget(
    session: Session, principal: Principal, sent: int, child_ids: list[int], settings: Settings
) -> None:
    """A provider that has had its day's share of date-of-birth clashes may write only children
    it has sent before: each clash is one guess at who is on the register, so guesses stay one
    at a time under a limit. The LA is told (a warning in the log) and can lift it by tomorrow."""
    since = datetime.combine(today(), time(), tzinfo=LONDON)
    clashes = session.scalar(
        select(func.count())
        .select_from(DateOfBirthConflict)
        .where(
            DateOfBirthConflict.provider_id == principal.provider_id,
            DateOfBirthConflict.seen_at >= since,
        )
    )
    if (clashes or 0) < settings.conflict_budget:
        return
    # Any child new to the provider is refused, on the register or not, so the refusal itself
    # says nothing about who is on it.
    if len(child_ids) == sent and len(readable_pupil_ids(session, principal, child_ids)) == sent:
        return
    logger.warning(
        "provider over its daily date-of-birth conflict budget; new children refused",
        extra={"provider_id": principal.provider_id, "clashes": clashes},
    )
    raise TooManyRequests(
        f"{clashes} records today had a date of birth that differs from the register's, so "
        "until tomorrow this provider may send only children it has sent before. The LA has "
        "been told; check the dates of birth with the LA.",
        headers={"Retry-After": str(_seconds_to_midnight())},
    )


def _seconds_to_midnight() -> int:
    now = datetime.now(LONDON)
    return int((datetime.combine(now.date(), time(), tzinfo=LONDON) - now).total_seconds()) + 86400


def _locked_children(session: Session, upns: Iterable[str]) -> dict[str, tuple[int, date]]:
    """The id and date of birth of each child with these UPNs, locked in id order so that no two
    writers deadlock."""
    wanted = rows(session, "upns", (("upn", String()),), [(upn,) for upn in sorted(upns)])
    # A UPN merged into another child's (a UPN change) stands for that child.
    return {
        upn: (pupil_id, born)
        for pupil_id, upn, born in session.execute(
            select(func.coalesce(Pupil.merged_into, Pupil.id), Pupil.upn, Pupil.date_of_birth)
            .where(Pupil.upn.in_(select(wanted.c.upn)))
            .order_by(Pupil.id)
            .with_for_update()
        )
    }


def _stored_details(session: Session, keys: Sequence[Key]) -> dict[Key, tuple[int, Any]]:
    """The id and version details of each stored record with one of these keys."""
    wanted = rows(session, "keys", KEY_COLUMNS, sorted(set(keys)))
    found = session.execute(
        select(
            ProvisionRecord.pupil_id,
            ProvisionRecord.provider_id,
            ProvisionRecord.week_commencing,
            ProvisionRecord.id,
            *(getattr(ProvisionRecord, name) for name in RECORD_FIELDS),
        ).join(
            wanted,
            and_(
                ProvisionRecord.pupil_id == wanted.c.pupil_id,
                ProvisionRecord.week_commencing == wanted.c.week_commencing,
                ProvisionRecord.provider_id == wanted.c.provider_id,
            ),
        )
    )
    return {
        (row[0], row[1], row[2]): (
            row[3],
            record_details(dict(zip(RECORD_FIELDS, row[4:], strict=True))),
        )
        for row in found
    }


def _pointer(prefix: str, index: int, field: str) -> str:
    """/records/<i>/<field> in a batch, /<field> for a single record."""
    return f"{prefix}/{index}/{field}" if prefix else f"/{field}"
