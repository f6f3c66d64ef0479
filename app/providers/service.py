"""Registering and listing providers."""

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.models import Provider
from app.providers.schemas import ProviderCreate


def create_provider(session: Session, *, request: ProviderCreate) -> Provider:
    """A new provider; a URN or LAESTAB already registered is a conflict."""
    identifiers = [
        column == value
        for column, value in ((Provider.urn, request.urn), (Provider.laestab, request.laestab))
        if value is not None
    ]
    if identifiers:
        clash = session.scalar(select(Provider).where(or_(*identifiers)))
        if clash is not None:
            raise Conflict(f"Provider {clash.id} ({clash.name}) already has that URN or LAESTAB.")
    provider = Provider(**request.model_dump(mode="json"))
    session.add(provider)
    session.flush()
    return provider


def list_providers(session: Session) -> Sequence[Provider]:
    """Every provider, by name."""
    return session.scalars(select(Provider).order_by(Provider.name, Provider.id)).all()
