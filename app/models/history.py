"""Nothing sent to the register is lost: every version of every record and end, by revision."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Revision(Base):
    """One write to children's records: who made it and when.

    ``number`` is the register version the write committed as. Writers take the version row's
    lock last and hold it until they commit, so numbers follow commit order.
    """

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_id: Mapped[str] = mapped_column(String(64))


class ProvisionVersion(Base):
    """A record or an end as one revision left it, or a change of the child's UPN (history rows,
    never changed or deleted)."""

    __tablename__ = "provision_history"
    __table_args__ = (
        Index("ix_provision_history_pupil_id", "pupil_id", "id"),
        # The change feed reads a revision's versions in order from any position in it.
        Index("ix_provision_history_revision", "revision_id", "id"),
        # What a provider has sent, newest change first: its versions in each revision, and
        # of one week.
        Index("ix_provision_history_provider_revision", "provider_id", "revision_id", "id"),
        Index(
            "ix_provision_history_provider_week",
            "provider_id",
            "week_commencing",
            "revision_id",
            "id",
        ),
        # What a provider has sent, and each record's later versions (app/provision/sent.py).
        Index(
            "ix_provision_history_provider_record",
            "provider_id",
            "pupil_id",
            "week_commencing",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    # Null for a change of UPN, which no provider makes.
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    action: Mapped[str] = mapped_column(String(30))
    # A record's key week, or the id of the end, whichever this version is of.
    week_commencing: Mapped[date | None] = mapped_column(Date)
    end_id: Mapped[int | None] = mapped_column(ForeignKey("provision_ends.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class UpnChange(Base):
    """A child's UPN replaced by another (a temporary UPN by a permanent one, or a mistake put
    right): the old UPN still finds the child."""

    __tablename__ = "upn_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    old_upn: Mapped[str] = mapped_column(String(13), index=True)
    new_upn: Mapped[str] = mapped_column(String(13))
    revision_id: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
