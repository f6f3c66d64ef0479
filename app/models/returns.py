"""Nil returns: a provider's statement that it had no children to report in a week."""

from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class NilReturn(Timestamped, Base):
    __tablename__ = "nil_returns"
    __table_args__ = (UniqueConstraint("provider_id", "week_commencing"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    week_commencing: Mapped[date] = mapped_column(Date)
    client_id: Mapped[str] = mapped_column(String(64))
