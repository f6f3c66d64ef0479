"""Liveness and readiness for load balancers and orchestrators (no token needed)."""

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from app.migrations import alembic_config

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    responses={503: {"description": "Database unreachable or migrations not at head"}},
)
def readyz(request: Request) -> JSONResponse:
    """The database is reachable and its schema is at the latest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        with request.app.state.sessionmaker() as session:
            current = MigrationContext.configure(session.connection()).get_current_revision()
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    ready = current == head
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "migration": current, "head": head},
        status_code=200 if ready else 503,
    )
