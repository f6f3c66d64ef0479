"""Changing a child's UPN: a temporary UPN replaced by a permanent one, or a mistake put right.
When the new UPN is already on the register for the same child, the two are merged."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.auth.schemas import Principal
from app.config import Settings
from app.errors import Conflict, InvalidContent
from app.history.service import History
from app.models import ProvisionEnd, ProvisionRecord, Pupil, UpnChange
from app.provision.service import apply_changes
from app.pupils.service import readable_pupil
from app.pupils.upn import is_temporary_upn
from app.register.derived import Changes


@dataclass(frozen=True)
class ChangedUpn:
    pupil: Pupil
    old_upn: str
    merged: bool


def change_upn(
    session: Session,
    *,
    principal: Principal,
    upn: str,
    new_upn: str,
    settings: Settings,
    seen: set[int] | None = None,
) -> ChangedUpn:
    """Give the child a new UPN, merging in the child already there (same date of birth), and
    re-judge both from their first record; the old UPN keeps finding the child. ``seen``
    collects the children touched, for the audit trail."""
    child = readable_pupil(session, principal=principal, upn=upn, lock=True, seen=seen)
    old_upn = child.upn
    if new_upn == old_upn:
        raise InvalidContent(
            f"{new_upn} is already the child's UPN.",
            errors=[{"pointer": "/new_upn", "detail": "is the child's UPN now"}],
        )
    there = session.scalar(select(Pupil).where(Pupil.upn == new_upn).with_for_update())
    if there is not None and seen is not None:
        seen.add(there.id)
    history = History(session, principal.client_id)
    changes = Changes()
    if there is None:
        child.upn, child.temporary_upn = new_upn, is_temporary_upn(new_upn)
        survivor = child
        # Nothing judged depends on the UPN, but every judgement is made again all the same.
        _redraw(changes, child.id, _firsts(session, child.id))
    else:
        _check_mergeable(session, child, there)
        _redraw(changes, child.id, _firsts(session, child.id))
        session.execute(
            update(ProvisionRecord)
            .where(ProvisionRecord.pupil_id == child.id)
            .values(pupil_id=there.id)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(ProvisionEnd)
            .where(ProvisionEnd.pupil_id == child.id)
            .values(pupil_id=there.id)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Pupil)
            .where(Pupil.merged_into == child.id)
            .values(merged_into=there.id)
            .execution_options(synchronize_session=False)
        )
        child.merged_into = there.id
        there.given_name = there.given_name or child.given_name
        there.family_name = there.family_name or child.family_name
        survivor = there
        _redraw(changes, there.id, _firsts(session, there.id))
    history.keep(
        pupil_id=survivor.id,
        provider_id=None,
        action="upn_changed",
        details={"old_upn": old_upn, "new_upn": new_upn, "merged": there is not None},
    )
    revision = apply_changes(session, history, changes, settings=settings)
    assert revision is not None
    session.add(
        UpnChange(pupil_id=survivor.id, old_upn=old_upn, new_upn=new_upn, revision_id=revision.id)
    )
    session.flush()
    return ChangedUpn(survivor, old_upn, merged=there is not None)


def _check_mergeable(session: Session, child: Pupil, there: Pupil) -> None:
    """One child may be merged into another only if both are the same child with no record
    for the same week from the same provider."""
    if there.merged_into is not None:
        raise Conflict(f"UPN {there.upn} was itself merged into another child; use that UPN.")
    if there.date_of_birth != child.date_of_birth:
        raise Conflict(
            f"UPN {child.upn} (born {child.date_of_birth}) and UPN {there.upn} (born "
            f"{there.date_of_birth}) are different children; nothing was changed.",
            errors=[{"pointer": "/new_upn", "detail": "another child's UPN"}],
        )
    theirs = select(ProvisionRecord.provider_id, ProvisionRecord.week_commencing).where(
        ProvisionRecord.pupil_id == there.id
    )
    clashes = session.execute(
        select(ProvisionRecord.provider_id, ProvisionRecord.week_commencing)
        .where(ProvisionRecord.pupil_id == child.id)
        .intersect(theirs)
    ).all()
    if clashes:
        weeks = ", ".join(f"provider {p} week {w}" for p, w in sorted(clashes))
        raise Conflict(
            f"UPN {child.upn} and UPN {there.upn} both have records for {weeks}; withdraw one "
            "of each pair first. Nothing was changed.",
            errors=[{"pointer": "/new_upn", "detail": "records for the same weeks"}],
        )


def _firsts(session: Session, pupil_id: int) -> Iterable[tuple[int, date]]:
    """Each provider of the child and the first week it reported (or ended) provision."""
    weeks = (
        select(
            ProvisionRecord.provider_id, func.min(ProvisionRecord.week_commencing).label("first")
        )
        .where(ProvisionRecord.pupil_id == pupil_id)
        .group_by(ProvisionRecord.provider_id)
    )
    ends = (
        select(ProvisionEnd.provider_id, func.min(ProvisionEnd.end_date).label("first"))
        .where(ProvisionEnd.pupil_id == pupil_id)
        .group_by(ProvisionEnd.provider_id)
    )
    return [(provider_id, first) for provider_id, first in session.execute(weeks.union_all(ends))]


def _redraw(changes: Changes, pupil_id: int, firsts: Iterable[tuple[int, date]]) -> None:
    for provider_id, first in firsts:
        changes.rearranged(pupil_id, provider_id, first)
