"""Reading the register's changes in commit order, for LA systems that keep a mirror."""

from sqlalchemy import select
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
    number, version_id = after or (0, 0)
    # The rest of the position's revision, then all of the next one: each an index range in
    # id order, however large the revision (a bulk load's holds millions).
    found: list[tuple[ProvisionVersion, Revision, str]] = []
    for revision, after_id in (
        (session.scalar(select(Revision).where(Revision.number == number)), version_id),
        (_next_revision(session, number), 0),
    ):
        if revision is None or len(found) == limit:
            continue
        number = revision.number or number
        found += [
            (version, revision, upn)
            for version, upn in session.execute(
                select(ProvisionVersion, current_upn(ProvisionVersion.pupil_id))
                .where(ProvisionVersion.revision_id == revision.id, ProvisionVersion.id > after_id)
                .order_by(ProvisionVersion.id)
                .limit(limit - len(found))
            )
        ]
    # Then the revisions after those, each as large as one write (a batch at most).
    if len(found) < limit:
        found += [
            (version, revision, upn)
            for version, revision, upn in session.execute(
                select(ProvisionVersion, Revision, current_upn(ProvisionVersion.pupil_id))
                .join(Revision, Revision.id == ProvisionVersion.revision_id)
                .where(Revision.number > number)
                .order_by(Revision.number, ProvisionVersion.id)
                .limit(limit - len(found))
            )
        ]
    return found


def _next_revision(session: Session, number: int) -> Revision | None:
    return session.scalar(
        select(Revision).where(Revision.number > number).order_by(Revision.number).limit(1)
    )
