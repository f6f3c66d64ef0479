"""The audit trail: who read or wrote children's data, and when. Rows are never changed."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, SmallInteger, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_client_occurred", "client_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    client_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    query: Mapped[dict[str, str]] = mapped_column(JSON)
    children: Mapped[int] = mapped_column(Integer)
    # The answer's status (refused calls are recorded too) and the caller's address.
    status: Mapped[int] = mapped_column(SmallInteger, server_default="200")
    address: Mapped[str | None] = mapped_column(String(45))


class AuditChild(Base):
    """One child an event read, wrote or was refused: "who has seen this child?" is one index
    range. No foreign key to the child: the trail outlives a sandbox's children."""

    __tablename__ = "audit_event_children"

    pupil_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
