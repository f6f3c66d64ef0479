"""The LA's school calendar: term dates and closure days."""

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class Term(Timestamped, Base):
    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date, unique=True)
    end_date: Mapped[date] = mapped_column(Date)


class ClosureDay(Timestamped, Base):
    """A weekday inside a term when schools are closed (bank holiday, INSET)."""

    __tablename__ = "closure_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    description: Mapped[str] = mapped_column(String(200))
