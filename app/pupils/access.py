"""Who may see which child: the one place the rule is written.

LA officers and admins see every child. A provider sees the children it has submitted
records for, and the per-provider detail of its own rows only: another provider's row may
reveal a hospital stay or custody. Inspectors read the extract, not individual children.
"""

from collections.abc import Collection

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.orm import Session

from app.auth.schemas import Principal, Role
from app.models import ProvisionRecord, Pupil

SEES_EVERY_CHILD = frozenset({Role.admin, Role.la_officer})


def pupil_visible(principal: Principal) -> ColumnElement[bool]:
    """A SQL condition on ``Pupil`` true for the children the caller may read."""
    if principal.role in SEES_EVERY_CHILD:
        return true()
    if principal.role is Role.provider:
        return exists().where(
            ProvisionRecord.pupil_id == Pupil.id,
            ProvisionRecord.provider_id == principal.provider_id,
        )
    return false()


def readable_pupil_ids(
    session: Session, principal: Principal, pupil_ids: Collection[int | None]
) -> set[int]:
    """Which of these children the caller may read."""
    wanted = {pupil_id for pupil_id in pupil_ids if pupil_id is not None}
    if not wanted or principal.role in SEES_EVERY_CHILD:
        return wanted
    return set(
        session.scalars(select(Pupil.id).where(Pupil.id.in_(wanted), pupil_visible(principal)))
    )


def sees_provider_detail(principal: Principal, provider_id: int) -> bool:
    """Whether the caller may see what one provider provides a child."""
    return principal.role in SEES_EVERY_CHILD or principal.provider_id == provider_id


def sees_names(principal: Principal) -> bool:
    """Names are for LA officers finding a child, never for lists or extracts."""
    return principal.role in SEES_EVERY_CHILD
