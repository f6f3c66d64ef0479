"""What providers have sent: each record's latest version, read from the history (which keeps
withdrawn records that ``provision_records`` no longer holds)."""

from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.auth.schemas import Principal, Role
from app.errors import Forbidden
from app.history.schemas import utc
from app.models import ProvisionRecord, ProvisionVersion, Pupil, Revision
from app.provision.schemas import SentRecord
from app.pupils.service import current_upn

# (revisions.number, provision_history.id), newest first.
Position = tuple[int, int]


def listed_provider(principal: Principal, named: int | None) -> int | None:
    """Whose records the caller may list: a provider its own only (403 for another's, as for
    writes); an LA officer or admin anyone's, or everyone's when naming none."""
    if principal.role is Role.provider:
        if named not in (None, principal.provider_id):
            raise Forbidden("A provider may list only its own records.")
        return principal.provider_id
    return named


def latest_versions(
    session: Session,
    *,
    provider_id: int | None,
    week_commencing: date | None,
    updated_since: datetime | None,
    include_withdrawn: bool,
    before: Position | None,
    limit: int,
) -> list[tuple[ProvisionVersion, Revision, str]]:
    """Each record's latest version, newest change first, with the child's current UPN."""
    later, child, merged = aliased(ProvisionVersion), aliased(Pupil), aliased(Pupil)
    # The child the record belongs to now: itself, or the child it was merged into.
    survivor = func.coalesce(child.merged_into, child.id)
    later_version = (
        later.provider_id == ProvisionVersion.provider_id,
        later.week_commencing == ProvisionVersion.week_commencing,
        later.id > ProvisionVersion.id,
    )
    query = (
        select(ProvisionVersion, Revision, current_upn(ProvisionVersion.pupil_id))
        .join(Revision, Revision.id == ProvisionVersion.revision_id)
        .join(child, child.id == ProvisionVersion.pupil_id)
        .where(
            ProvisionVersion.week_commencing.is_not(None),
            # A record's versions are written under its child's lock, so the latest has the
            # highest id; after a merge, the record's earlier versions are the merged child's.
            # Asked of the surviving child and of the children merged into it apart, so each
            # is one probe of the provider's index by child and week.
            ~exists().where(*later_version, later.pupil_id == survivor),
            # Nested, so that even unplanned (SQLite without statistics) the few children
            # merged into the survivor are found first, and only their versions probed.
            ~exists().where(
                merged.merged_into == survivor,
                exists()
                .where(*later_version, later.pupil_id == merged.id)
                .correlate(ProvisionVersion, merged),
            ),
        )
        .order_by(Revision.number.desc(), ProvisionVersion.id.desc())
        .limit(limit)
    )
    if provider_id is not None:
        query = query.where(ProvisionVersion.provider_id == provider_id)
    if week_commencing is not None:
        query = query.where(ProvisionVersion.week_commencing == week_commencing)
    if updated_since is not None:
        query = query.where(Revision.recorded_at >= updated_since)
    if not include_withdrawn:
        query = query.where(ProvisionVersion.action != "withdrawn")
    if before is not None:
        number, version_id = before
        query = query.where(
            or_(
                Revision.number < number,
                and_(Revision.number == number, ProvisionVersion.id < version_id),
            )
        )
    return [(version, revision, upn) for version, revision, upn in session.execute(query)]


def sent_record(version: ProvisionVersion, revision: Revision, upn: str) -> SentRecord:
    """A record's latest version as the provider who sent it sees it."""
    return SentRecord.model_validate(
        version.details
        | {
            "upn": upn,
            "provider_id": version.provider_id,
            "week_commencing": version.week_commencing,
            "updated_at": utc(revision.recorded_at),
            "withdrawn": version.action == "withdrawn",
        }
    )


def weeks_sent(session: Session, *, provider_id: int, limit: int) -> list[date]:
    """The latest weeks the provider sent records for (withdrawn ones included), newest first."""
    return list(
        session.scalars(
            select(ProvisionVersion.week_commencing)
            .where(
                ProvisionVersion.provider_id == provider_id,
                ProvisionVersion.week_commencing.is_not(None),
            )
            .group_by(ProvisionVersion.week_commencing)
            .order_by(ProvisionVersion.week_commencing.desc())
            .limit(limit)
        )
    )


def child_records(session: Session, *, pupil_id: int, provider_id: int) -> list[ProvisionRecord]:
    """The records the provider holds for the child now, latest week first."""
    return list(
        session.scalars(
            select(ProvisionRecord)
            .where(ProvisionRecord.pupil_id == pupil_id, ProvisionRecord.provider_id == provider_id)
            .order_by(ProvisionRecord.week_commencing.desc())
        )
    )
