"""Tokens (OAuth2 client credentials) and client registration."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, status

from app.auth.dependencies import AdminPrincipal
from app.auth.schemas import ClientCreate, ClientCreated, TokenResponse
from app.auth.service import authenticate, create_client, issue_token
from app.database import SessionDep
from app.inputs import Text

router = APIRouter(tags=["auth"])


@router.post("/auth/token", operation_id="issue_token")
def token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[Literal["client_credentials"], Form()],
    client_id: Annotated[Text, Form(min_length=1, max_length=64)],
    client_secret: Annotated[Text, Form(min_length=1, max_length=200)],
) -> TokenResponse:
    """Exchange client credentials for a short-lived bearer token (OAuth2 client credentials)."""
    client = authenticate(session, client_id=client_id, client_secret=client_secret)
    return issue_token(client, settings=request.app.state.settings)


@router.post("/clients", status_code=status.HTTP_201_CREATED, operation_id="create_client")
def register_client(
    body: ClientCreate, request: Request, session: SessionDep, _admin: AdminPrincipal
) -> ClientCreated:
    """Register an API client; its secret is shown once in this response and never again."""
    return create_client(session, request=body, settings=request.app.state.settings)
