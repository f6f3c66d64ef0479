"""Ending a provider's provision for a child (rule 6): from the API, or as a weekly record's
"this was the last week"."""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, InvalidContent, NotFound
from app.history.service import History, end_details
from app.models import ProvisionEnd as ProvisionEndRow
from app.models import ProvisionRecord
from app.register.derived import Changes
from app.register.rules import ProvisionEnd, monday_of, provision_arrangements
from app.register.service import arrangements_of


@dataclass(frozen=True)
class Ended:
    provider_id: int
    replaced: bool


def end_provision(
    session: Session,
    *,
    history: History,
    changes: Changes,
    pupil_id: int,
    provider_id: int,
    end_date: date,
    end_reason: str,
    pointer: str,
    sent_with_it: Collection[date] = (),
) -> Ended:
    """End the provider's latest arrangement for the child, or replace the end it already has.

    The end must fall in or after the arrangement's last record week: a record for a later week
    would reopen the provision, so those records must be withdrawn first. Later weeks sent in
    the same batch as the end (``sent_with_it``) are the start of a new arrangement instead.
    """
    week = monday_of(end_date)
    weeks = [
        sent
        for sent in session.scalars(
            select(ProvisionRecord.week_commencing).where(
                ProvisionRecord.pupil_id == pupil_id, ProvisionRecord.provider_id == provider_id
            )
        )
        if sent <= week or sent not in sent_with_it
    ]
    stated = session.scalars(
        select(ProvisionEndRow)
        .where(ProvisionEndRow.pupil_id == pupil_id, ProvisionEndRow.provider_id == provider_id)
        .order_by(ProvisionEndRow.id)
    ).all()
    arrangements = provision_arrangements(
        [(provider_id, week) for week in weeks],
        [ProvisionEnd(provider_id, row.end_date, row.end_reason) for row in stated],
    )
    if not arrangements:
        raise NotFound(f"Provider {provider_id} has no provision for this child to end.")
    latest = arrangements[-1]
    if week < latest.start_week:
        raise InvalidContent(
            "The end date is before the provision began; nothing was stored.",
            errors=[
                {
                    "pointer": pointer,
                    "detail": f"is before provider {provider_id}'s provision began "
                    f"(its first record is for the week of {latest.start_week})",
                }
            ],
        )
    if week < latest.last_week:
        raise Conflict(
            "Records for later weeks would reopen the provision; nothing was stored.",
            errors=[
                {
                    "pointer": pointer,
                    "detail": f"provider {provider_id} has records up to the week of "
                    f"{latest.last_week}; end the provision in or after that week, or "
                    "withdraw the later records first",
                }
            ],
        )
    details = end_details(end_date, end_reason)
    if latest.end_date is not None:
        row = next(
            r for r in stated if (r.end_date, r.end_reason) == (latest.end_date, latest.end_reason)
        )
        if (row.end_date, row.end_reason) != (end_date, end_reason):
            changes.rearranged(pupil_id, provider_id, min(week, monday_of(row.end_date)))
            row.end_date, row.end_reason = end_date, end_reason
            history.keep(
                pupil_id=pupil_id,
                provider_id=provider_id,
                action="end_replaced",
                end_id=row.id,
                details=details,
            )
        return Ended(provider_id, replaced=True)
    row = ProvisionEndRow(
        pupil_id=pupil_id, provider_id=provider_id, end_date=end_date, end_reason=end_reason
    )
    session.add(row)
    session.flush()
    changes.rearranged(pupil_id, provider_id, week)
    history.keep(
        pupil_id=pupil_id, provider_id=provider_id, action="ended", end_id=row.id, details=details
    )
    return Ended(provider_id, replaced=False)


def providers_to_end(session: Session, pupil_id: int) -> list[int]:
    """The providers an officer's end without a provider applies to: each whose provision is
    open or, when none is, those whose ends took the child off the register (so an officer can
    record where a child went)."""
    latest = {
        arrangement.provider_id: arrangement
        for arrangement in arrangements_of(session, [pupil_id])[pupil_id]
    }
    open_ = [provider for provider, arrangement in latest.items() if arrangement.end_date is None]
    if open_ or not latest:
        return open_
    last = max(arrangement.end_date or date.min for arrangement in latest.values())
    return [provider for provider, arrangement in latest.items() if arrangement.end_date == last]
