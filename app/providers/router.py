"""Providers that submit weekly provision."""

from collections.abc import Sequence

from fastapi import APIRouter, status

from app.auth.dependencies import AdminPrincipal, OfficerPrincipal
from app.database import SessionDep
from app.models import Provider
from app.providers.schemas import ProviderCreate, ProviderOut
from app.providers.service import create_provider, list_providers

router = APIRouter(prefix="/providers", tags=["providers"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_provider",
    response_model=ProviderOut,
)
def register_provider(
    body: ProviderCreate, session: SessionDep, _admin: AdminPrincipal
) -> Provider:
    """Register a school, PRU, AP provider, tuition service, YOS or other provider."""
    return create_provider(session, request=body)


@router.get("", operation_id="list_providers", response_model=list[ProviderOut])
def providers(session: SessionDep, _officer: OfficerPrincipal) -> Sequence[Provider]:
    """Every registered provider."""
    return list_providers(session)
