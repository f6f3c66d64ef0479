"""Education providers: schools, PRUs, AP, tuition services, YOS and others."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class Provider(Timestamped, Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    urn: Mapped[str | None] = mapped_column(String(6), unique=True)
    laestab: Mapped[str | None] = mapped_column(String(7), unique=True)
