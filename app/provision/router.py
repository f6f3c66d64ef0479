"""Weekly provision submissions from schools, PRUs, AP, tuition services and others."""

from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.auth.dependencies import WriterPrincipal
from app.database import SessionDep
from app.errors import ProblemError, render_problem
from app.models import DateOfBirthConflict
from app.provision.schemas import (
    BatchResult,
    ProvisionBatchIn,
    ProvisionRecordIn,
    ProvisionRecordOut,
)
from app.provision.service import DateOfBirthMismatch, ingest
from app.pupils.upn import is_temporary_upn

router = APIRouter(prefix="/provision-records", tags=["provision"])


@router.post(
    "",
    operation_id="submit_provision_record",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "Replaced the record with the same UPN, provider and week.",
            "model": ProvisionRecordOut,
        }
    },
)
def submit_record(
    body: ProvisionRecordIn,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: WriterPrincipal,
) -> ProvisionRecordOut:
    """Submit one child's hours from one provider for one week. Sending the same UPN,
    provider and week again replaces the earlier record: 201 when new, 200 when replaced."""
    result = ingest(
        session, records=[body], principal=principal, settings=request.app.state.settings
    )
    if result.replaced:
        response.status_code = status.HTTP_200_OK
    request.app.state.metrics.ingested(created=result.created, replaced=result.replaced)
    request.state.children = 1
    return ProvisionRecordOut.model_validate(
        body.model_dump(exclude={"given_name", "family_name"})
        | {"provider_id": result.provider_ids[0], "temporary_upn": is_temporary_upn(body.upn)}
    )


@router.post("/batch", operation_id="submit_provision_batch")
def submit_batch(
    body: ProvisionBatchIn, request: Request, session: SessionDep, principal: WriterPrincipal
) -> BatchResult:
    """Submit many records at once, all or nothing: if any record is invalid the answer is 422
    with one error per bad field (`/records/<i>/<field>`) and nothing is stored."""
    settings = request.app.state.settings
    if len(body.records) > settings.max_batch_records:
        raise ProblemError(
            f"At most {settings.max_batch_records} records per batch; split the submission.",
            errors=[{"pointer": "/records", "detail": f"{len(body.records)} records"}],
        )
    result = ingest(
        session,
        records=body.records,
        principal=principal,
        settings=settings,
        pointer_prefix="/records",
    )
    request.app.state.metrics.ingested(created=result.created, replaced=result.replaced)
    request.state.children = len({r.upn for r in body.records})
    return BatchResult(received=len(body.records), created=result.created, replaced=result.replaced)


def install_conflict_recorder(app: FastAPI) -> None:
    """Keep rejected dates of birth after the request's transaction has rolled back."""

    @app.exception_handler(DateOfBirthMismatch)
    async def _record(request: Request, exc: DateOfBirthMismatch) -> JSONResponse:
        if exc.seen:
            await run_in_threadpool(_store, request.app.state.sessionmaker, exc.seen)
        return render_problem(exc)


def _store(sessionmaker: "sessionmaker[Session]", conflicts: list[DateOfBirthConflict]) -> None:
    with sessionmaker.begin() as session:
        session.add_all(conflicts)
