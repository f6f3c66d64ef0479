"""Reading the register's changes in commit order, for LA systems that keep a mirror."""

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.models import ProvisionVersion, Revision
from app.pupils.service import current_upn

# (revisions.number, provision_history.id): commit order, then the order within one write.
Position = tuple[int, int]


def changes_after(
    session: Session, *, after: Position | None, limit: int
) -> list[tuple[ProvisionVersion, Revision, str]]:
    """The changes committed after a position, oldest first, with the child's current UPN:
    the rest of the position's revision (an index range, however large the revision), then
    the revisions committed after it.

    Numbers are taken under the register version's lock, held until commit, so a reader only
    ever sees a committed prefix of them: nothing can later commit before a position it read.
    """
    query = (
        select(ProvisionVersion, Revision, current_upn(ProvisionVersion.pupil_id))
        .join(Revision, Revision.id == ProvisionVersion.revision_id)
        .order_by(Revision.number, ProvisionVersion.id)
    )
    found: list[Row[ProvisionVersion, Revision, str]] = []
    number = 0
    if after is not None:
        number, version_id = after
        found += session.execute(
            query.where(Revision.number == number, ProvisionVersion.id > version_id).limit(limit)
        ).all()
    if len(found) < limit:
        found += session.execute(
            query.where(Revision.number > number).limit(limit - len(found))
        ).all()
    return [(version, revision, upn) for version, revision, upn in found]
