"""Weekly provision from schools, PRUs, AP, tuition services and others: submitting records,
withdrawing one sent in error, and stating that a provision ends."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.audit.service import children_read
from app.auth.dependencies import CurrentPrincipal, PupilReaderPrincipal, WriterPrincipal
from app.csv_answers import CSV, csv_answer, wants_csv
from app.cursors import Cursor, continuation, decode_version_cursor, encode_cursor
from app.database import SessionDep
from app.errors import (
    UnsupportedMediaType,
    render_problem,
)
from app.history.schemas import utc
from app.history.service import RECORD_FIELDS
from app.inputs import Id, RawBody
from app.models import DateOfBirthConflict
from app.openapi import csv_content, parsed_body
from app.providers.acting import acting_provider
from app.provision.schemas import (
    BatchResult,
    EndedProvision,
    ProvisionBatchIn,
    ProvisionEndIn,
    ProvisionEndOut,
    ProvisionRecordIn,
    ProvisionRecordOut,
    SentRecord,
    SentRecords,
)
from app.provision.sent import latest_versions, listed_provider, sent_record
from app.provision.service import DateOfBirthMismatch, end_provisions, ingest, withdraw
from app.provision.spreadsheets import (
    XLSX,
    read_upload,
    too_many_records,
)
from app.provision.templates import template_csv, template_xlsx
from app.pupils.dependencies import LockedPupilInQuery, guarded_pupil
from app.pupils.upn import is_temporary_upn
from app.vocabulary import Monday

router = APIRouter(tags=["provision"])

# Spreadsheets Excel or LibreOffice may send that the register cannot read; anything else
# unlabelled as CSV or .xlsx is read as JSON, since JSON pushes were never refused by label.
UNREADABLE_SHEETS = {
    "application/vnd.ms-excel": ".xls",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}
SENT_COLUMNS = ("upn", "provider_id", "week_commencing", *RECORD_FIELDS, "updated_at", "withdrawn")


@router.get(
    "/provision-records",
    operation_id="list_provision_records",
    response_model=SentRecords,
    responses={
        200: {
            "content": csv_content(
                ",".join(SENT_COLUMNS) + "\nB801200005001,7,2026-09-07,12.5,,"
                "alternative_provision,part_time_timetable,,,2026-06-08,2026-10-05,2026-12-18,"
                "2026-09-04,2026-09-08T09:15:00+00:00,false\n"
            )
        }
    },
)
def list_records(
    request: Request,
    session: SessionDep,
    principal: PupilReaderPrincipal,
    week_commencing: Annotated[Monday | None, Query()] = None,
    updated_since: Annotated[
        datetime | None,
        Query(description="Only records changed at or after this ISO 8601 time (UTC if bare)."),
    ] = None,
    provider_id: Annotated[Id | None, Query()] = None,
    include_withdrawn: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Cursor = None,
) -> SentRecords | Response:
    """The records a provider has sent, as it last sent them, newest change first: a provider
    lists its own; an LA officer any provider's (`provider_id`) or everyone's. With
    `include_withdrawn`, records withdrawn as sent in error are listed too, marked `withdrawn`.
    No names. Follow `next` for more; `Accept: text/csv` gives the page as CSV, with `next` in
    a `Link` header."""
    before = decode_version_cursor(cursor, parameter="cursor") if cursor else None
    found = latest_versions(
        session,
        provider_id=listed_provider(principal, provider_id),
        week_commencing=week_commencing,
        updated_since=utc(updated_since) if updated_since else None,
        include_withdrawn=include_withdrawn,
        before=before,
        limit=limit + 1,
    )
    items = [sent_record(version, revision, upn) for version, revision, upn in found[:limit]]
    children_read(request, (version.pupil_id for version, _, _ in found[:limit]))
    last = None
    if len(found) > limit:
        version, revision, _ = found[limit - 1]
        last = encode_cursor(revision.number or 0, version.id)
    page = continuation(request, last)
    if wants_csv(request):
        return _sent_csv(items, next_url=page["next"])
    return SentRecords(items=items, **page)


def _sent_csv(items: list[SentRecord], *, next_url: str | None) -> Response:
    """A page of records as CSV rows; lists joined with ';' as in the inspection extract."""
    rows = []
    for item in items:
        row = item.model_dump(mode="json")
        row["reasons"] = ";".join(row["reasons"])
        row["withdrawn"] = "true" if item.withdrawn else "false"
        rows.append([row[column] for column in SENT_COLUMNS])
    return csv_answer(
        SENT_COLUMNS, rows, headers={"Link": f'<{next_url}>; rel="next"'} if next_url else None
    )


@router.post(
    "/provision-records",
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
    provider and week again replaces the earlier record: 201 when new, 200 when replaced.
    With `provision_end_date` and `end_reason` the record also says this provision ends."""
    result = ingest(
        session, records=[body], principal=principal, settings=request.app.state.settings
    )
    if result.replaced:
        response.status_code = status.HTTP_200_OK
    request.app.state.metrics.ingested(created=result.created, replaced=result.replaced)
    children_read(request, result.pupil_ids)
    return ProvisionRecordOut.model_validate(
        body.model_dump(exclude={"given_name", "family_name"})
        | {
            "provider_id": result.provider_ids[0],
            "temporary_upn": is_temporary_upn(body.upn),
            "warnings": result.warnings,
        }
    )


# The batch is validated from the raw bytes in one pass (in the worker thread).
BATCH = TypeAdapter(ProvisionBatchIn)


def _read_batch(raw: bytes, media_type: str, most: int) -> ProvisionBatchIn:
    """The body as a batch: a spreadsheet read within its limits, anything else as JSON."""
    if media_type in UNREADABLE_SHEETS:
        raise UnsupportedMediaType(
            f"An {UNREADABLE_SHEETS[media_type]} file cannot be read; save it as an Excel "
            'workbook (.xlsx) or as "CSV UTF-8" and send it again.'
        )
    if media_type in (CSV, XLSX):
        return read_upload(raw, media_type, max_records=most)
    # Anything else is read as JSON, as it always was (curl -d labels JSON as a form).
    try:
        body = BATCH.validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [error | {"loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from exc
    if len(body.records) > most:
        raise too_many_records(most)
    return body


async def _parsed_batch(
    raw: RawBody, request: Request, _writer: WriterPrincipal
) -> ProvisionBatchIn:
    """The caller's batch, parsed once the caller is known to be a writer."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    most = request.app.state.settings.max_batch_records
    return await run_in_threadpool(_read_batch, raw, media_type, most)


ParsedBatch = Annotated[ProvisionBatchIn, Depends(_parsed_batch)]


async def _batch_turn(request: Request, _parsed: ParsedBatch) -> AsyncIterator[None]:
    """The batch's turn to be stored, taken only once it has parsed."""
    async with request.app.state.batch_turns.turn():
        yield


@router.post(
    "/provision-records/batch",
    operation_id="submit_provision_batch",
    openapi_extra=parsed_body(ProvisionBatchIn, spreadsheets=(CSV, XLSX)),
    responses={415: {"description": "An .xls or .ods spreadsheet: save it as .xlsx or CSV."}},
    dependencies=[Depends(_batch_turn, scope="function")],
)
def submit_batch(
    body: ParsedBatch, request: Request, session: SessionDep, principal: WriterPrincipal
) -> BatchResult:
    """Submit many records at once, all or nothing: if any record is invalid the answer is 422
    with one error per bad field (`/records/<i>/<field>`) and nothing is stored.

    Providers without an MIS may send a spreadsheet instead, as `text/csv` (UTF-8) or an Excel
    workbook, with the columns of `GET /provision-records/template.csv` (or `.xlsx`) and one
    record per row; each error then also names the cell's `row` and `column`. A spreadsheet is
    read only up to its limits (columns, records, 32 MB unzipped, 5 seconds): past them the
    answer is 413 or 400 and nothing is stored."""
    result = ingest(
        session,
        records=body.records,
        principal=principal,
        settings=request.app.state.settings,
        pointer_prefix="/records",
    )
    request.app.state.metrics.ingested(created=result.created, replaced=result.replaced)
    children_read(request, result.pupil_ids)
    return BatchResult(
        received=len(body.records),
        created=result.created,
        replaced=result.replaced,
        ended=len(result.ended),
        warnings=result.warnings,
    )


@router.get(
    "/provision-records/template.csv",
    operation_id="get_provision_template_csv",
    response_class=Response,
    responses={200: {"content": csv_content(template_csv().decode("utf-8-sig"))}},
)
def template_as_csv(_caller: CurrentPrincipal) -> Response:
    """The spreadsheet template for providers without an MIS: every column a record has, in
    order, and one example row. Fill one row per child and week, then POST the file to
    `/provision-records/batch` as `text/csv`."""
    return Response(
        template_csv(),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="provision-records.csv"'},
    )


@router.get(
    "/provision-records/template.xlsx",
    operation_id="get_provision_template_xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def template_as_xlsx(_caller: CurrentPrincipal) -> Response:
    """The same template as an Excel workbook, with a second sheet, "Codes", listing the codes
    each coded column takes. Fill the first sheet with values (no formulas) and POST it to
    `/provision-records/batch`."""
    return Response(
        template_xlsx(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="provision-records.xlsx"'},
    )


@router.delete(
    "/provision-records",
    operation_id="withdraw_provision_record",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such record from this provider, for this child and week."}},
)
def withdraw_record(
    request: Request,
    session: SessionDep,
    principal: WriterPrincipal,
    pupil: LockedPupilInQuery,
    week_commencing: Annotated[Monday, Query()],
    provider_id: Annotated[Id | None, Query()] = None,
) -> None:
    """Withdraw a record sent in error (for the wrong child or week). The register judges as if
    it had never been sent; the child's history keeps it. A provider withdraws its own records;
    an LA officer names `provider_id`."""
    withdraw(
        session,
        principal=principal,
        pupil=pupil,
        provider_id=acting_provider(principal, provider_id, where={"parameter": "provider_id"}),
        week_commencing=week_commencing,
        settings=request.app.state.settings,
    )


@router.post(
    "/provision-ends",
    operation_id="end_provision",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "Replaced the earlier end of the same arrangement.",
            "model": ProvisionEndOut,
        },
        404: {"description": "No such child, or none the caller may see."},
    },
)
def end(
    body: ProvisionEndIn,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: WriterPrincipal,
) -> ProvisionEndOut:
    """A provision ends: the provider's arrangement for the child closes on `end_date`, and
    once every provision has ended the child leaves the register from the next term week. A
    provider ends its own provision; an LA officer names `provider_id`, or leaves it out to end
    every open provision of the child. Ending the same arrangement again replaces its end."""
    pupil = guarded_pupil(request, session, principal, body.upn, lock=True)
    ended = end_provisions(
        session, principal=principal, pupil=pupil, request=body, settings=request.app.state.settings
    )
    if all(e.replaced for e in ended):
        response.status_code = status.HTTP_200_OK
    return ProvisionEndOut(
        upn=pupil.upn,
        ended=[
            EndedProvision(
                provider_id=e.provider_id,
                end_date=body.end_date,
                end_reason=body.end_reason,
                replaced=e.replaced,
            )
            for e in ended
        ],
    )


def install_conflict_recorder(app: FastAPI) -> None:
    """Keep rejected dates of birth after the request's transaction has rolled back."""

    @app.exception_handler(DateOfBirthMismatch)
    async def _record(request: Request, exc: DateOfBirthMismatch) -> JSONResponse:
        children_read(request, (conflict.pupil_id for conflict in exc.seen))
        if exc.seen:
            await run_in_threadpool(_store, request.app.state.sessionmaker, exc.seen)
        return render_problem(exc)


def _store(sessionmaker: "sessionmaker[Session]", conflicts: list[DateOfBirthConflict]) -> None:
    with sessionmaker.begin() as session:
        session.add_all(conflicts)
