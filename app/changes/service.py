"""Reading the register's changes in commit order, for LA systems that keep a mirror."""

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.models import ProvisionVersion, Revision
from app.pupils.service import current_upn

# (revisions.number, provision_history.id): commit order, then the order within one write.
Position = tuple[int, int]


def changes_after(
    session: Session, *, after: Position | None, limit: int
) -> list[tuple[ProvisionVersion, Revision, str]]:
    """The changes committed after a position, oldest first, with the child's current UPN.

    Numbers are taken under the register version's lock, held until commit, so a reader only
    ever sees a committed prefix of them: nothing can later commit before a position it read.
    """
    query = (
        select(ProvisionVersion, Revision, current_upn(ProvisionVersion.pupil_id))
        .join(Revision, Revision.id == ProvisionVersion.revision_id)
        .where(Revision.number.is_not(None))
        .order_by(Revision.number, ProvisionVersion.id)
        .limit(limit)
    )
    if after is not None:
        number, version_id = after
        query = query.where(
            or_(
                Revision.number > number,
                and_(Revision.number == number, ProvisionVersion.id > version_id),
            )
        )
    return [(version, revision, upn) for version, revision, upn in session.execute(query)]
