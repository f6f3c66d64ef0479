"""A sandbox for MIS vendors (REGISTER_ENV=sandbox only): generate a synthetic LA with clients
to push as, and clear it. Anywhere else these operations do not exist (404)."""

from fastapi import APIRouter, Depends, Request

from app.auth.dependencies import AdminPrincipal
from app.database import SessionDep
from app.errors import NotFound
from app.sandbox.schemas import Cleared, TestData, TestDataRequest
from app.sandbox.service import clear, generate


def _in_sandbox(request: Request) -> None:
    if request.app.state.settings.environment != "sandbox":
        raise NotFound("Test data exists only in a sandbox register.")


# Checked before the token, so outside a sandbox the operations are simply not there.
router = APIRouter(
    tags=["sandbox"],
    dependencies=[Depends(_in_sandbox)],
    responses={404: {"description": "Not a sandbox register."}},
)


@router.post("/test-data/generate", operation_id="generate_test_data", status_code=201)
def generate_test_data(
    body: TestDataRequest, request: Request, session: SessionDep, _admin: AdminPrincipal
) -> TestData:
    """Fill an empty sandbox with a synthetic LA (children, providers, terms and weeks of
    returns ending this week, with ends, exits, nil returns and a UPN change), and create a
    client for each provider; their secrets are shown once. `409` if it holds children."""
    return generate(session, request=body, settings=request.app.state.settings)


@router.post("/test-data/clear", operation_id="clear_test_data")
def clear_test_data(session: SessionDep, _admin: AdminPrincipal) -> Cleared:
    """Remove every child, record, end and version, the providers and their clients, and the
    calendar. The audit trail is kept."""
    return clear(session)
