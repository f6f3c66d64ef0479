"""Liveness and readiness for load balancers and orchestrators (no token needed)."""

from typing import Literal

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from app.errors import Unavailable
from app.migrations import alembic_config

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ok"] = "ok"
    migration: str = Field(description="The database's schema revision.", examples=["0005"])
    head: str = Field(description="The latest revision this code knows.", examples=["0005"])


@router.get("/healthz", operation_id="healthz", openapi_extra={"security": []})
def healthz() -> Health:
    """The process is alive."""
    return Health()


@router.get("/readyz", operation_id="readyz", openapi_extra={"security": []})
def readyz(request: Request) -> Readiness:
    """The database is reachable and its schema is at the latest migration; otherwise 503."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        with request.app.state.sessionmaker() as session:
            current = MigrationContext.configure(session.connection()).get_current_revision()
    except SQLAlchemyError as exc:
        raise Unavailable("The database is unreachable.") from exc
    if current != head or head is None:
        raise Unavailable(
            f"The schema is at {current or 'nothing'}, not {head}: run the migrations "
            "(python -m app.migrations)."
        )
    return Readiness(migration=current, head=head)
