"""A provider's "Send a week": upload the spreadsheet, or type the hours, or say there was
nothing to report; through the same services as the API, all or nothing."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from app.audit.service import children_read, upns_read
from app.auth.schemas import Principal
from app.csv_answers import CSV
from app.database import SessionDep
from app.errors import ProblemError
from app.inputs import today
from app.models import DateOfBirthConflict
from app.people.service import SignedIn, person_principal
from app.provision.schemas import ProvisionRecordIn
from app.provision.service import DateOfBirthMismatch, IngestResult, ingest
from app.provision.spreadsheets import XLSX, read_upload
from app.provision.templates import template_csv, template_xlsx
from app.provision.weekly import ChildToReport, children_to_report
from app.register.rules import WEEK, monday_of
from app.returns.service import record_nil_return
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import CheckedForm, ProviderPage
from app.web.weeks import WeekParam

router = APIRouter(route_class=PageRoute)

READABLE = {".csv": CSV, ".xlsx": XLSX}
SAVE_AS = "save it as an Excel workbook (.xlsx) or as CSV UTF-8, then send that file"


@dataclass(frozen=True)
class SentFile:
    """What an upload did, for the page to say."""

    name: str
    weeks: list[date]
    result: IngestResult


def _provider(signed: SignedIn) -> tuple[Principal, int]:
    principal = person_principal(signed.person)
    assert principal.provider_id is not None  # a provider person always has one
    return principal, principal.provider_id


def _send_page(
    request: Request,
    *,
    status_code: int = 200,
    file_name: str | None = None,
    problem: str | None = None,
    cells: list[dict[str, Any]] | None = None,
    sent: SentFile | None = None,
    nil_error: str | None = None,
) -> HTMLResponse:
    summary = {"file": problem} if problem else {"nil-week": nil_error} if nil_error else None
    return page(
        request,
        "send.html",
        title="Send a week",
        status_code=status_code,
        file_name=file_name,
        problem=problem,
        cells=cells or [],
        sent=sent,
        nil_error=nil_error,
        error_summary=summary,
        this_week=monday_of(today()),
    )


@router.get("/send")
def send_form(request: Request, _signed: ProviderPage) -> HTMLResponse:
    """The provider's page for sending a week."""
    return _send_page(request)


@router.post("/send")
async def send_file(
    request: Request, session: SessionDep, signed: ProviderPage, _form: CheckedForm
) -> HTMLResponse:
    """An uploaded spreadsheet, stored all or nothing; what was wrong, cell by cell, if not."""
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _send_page(request, status_code=400, problem="Choose a CSV or Excel file to send")
    name = PurePosixPath(upload.filename.replace("\\", "/")).name
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in READABLE:
        reason = (
            f"{name} is an {suffix} file, which the register cannot read: {SAVE_AS}"
            if suffix in (".xls", ".ods")
            else f"{name} is not a CSV or Excel (.xlsx) file: {SAVE_AS}"
        )
        return _send_page(request, status_code=415, file_name=name, problem=reason)
    raw = await upload.read()
    principal, _ = _provider(signed)
    settings = request.app.state.settings
    try:
        batch = await run_in_threadpool(
            read_upload, raw, READABLE[suffix], max_records=settings.max_batch_records
        )
        async with request.app.state.batch_turns.turn():
            result = await run_in_threadpool(_store, session, batch.records, principal, request)
    except ProblemError as exc:
        await run_in_threadpool(_undo, session, exc)
        return _send_page(
            request,
            status_code=exc.kind.status,
            file_name=name,
            problem=f"{name} was not stored: {exc.detail.replace('; nothing was stored', '')}",
            cells=[_cell(error) for error in exc.errors],
        )
    children_read(request, result.pupil_ids)
    weeks = sorted({record.week_commencing for record in batch.records})
    return _send_page(request, file_name=name, sent=SentFile(name, weeks, result))


def _store(
    session: Session, records: list[ProvisionRecordIn], principal: Principal, request: Request
) -> IngestResult:
    return ingest(
        session,
        records=records,
        principal=principal,
        settings=request.app.state.settings,
        pointer_prefix="/records",
    )


def _undo(session: Session, refused: ProblemError) -> None:
    """Nothing of a refused batch is kept, except (as the API keeps them) the dates of birth
    that disagreed with the register, which the LA is alerted to."""
    session.rollback()
    if isinstance(refused, DateOfBirthMismatch):
        session.add_all(
            DateOfBirthConflict(
                pupil_id=seen.pupil_id,
                provider_id=seen.provider_id,
                date_of_birth_sent=seen.date_of_birth_sent,
            )
            for seen in refused.seen
        )


def _cell(error: Mapping[str, Any]) -> dict[str, Any]:
    """An error as a row of the page's table: the sheet's row and column where known."""
    return {
        "row": error.get("row", ""),
        "column": error.get("column") or str(error.get("pointer", "")).rsplit("/", 1)[-1],
        "message": error["detail"],
    }


@router.get("/send/template.xlsx")
def workbook_template(_signed: ProviderPage) -> Response:
    """The Excel template, as the API serves it."""
    return Response(
        template_xlsx(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="provision-records.xlsx"'},
    )


@router.get("/send/template.csv")
def csv_template(_signed: ProviderPage) -> Response:
    """The CSV template, as the API serves it."""
    return Response(
        template_csv(),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="provision-records.csv"'},
    )


@router.post("/send/nil-return")
async def nil_return(
    request: Request, session: SessionDep, signed: ProviderPage, _form: CheckedForm
) -> Response:
    """Say that there was nothing to report in a week."""
    form = await request.form()
    principal, provider_id = _provider(signed)
    try:
        week = monday_of(date.fromisoformat(str(form.get("week", ""))))
        await run_in_threadpool(
            record_nil_return,
            session,
            provider_id=provider_id,
            week_commencing=week,
            client_id=principal.client_id,
            this_week=monday_of(today()),
        )
    except ValueError:
        return _send_page(request, status_code=400, nil_error="Enter the week as a date")
    except ProblemError as exc:
        await run_in_threadpool(session.rollback)
        detail = exc.errors[0]["detail"] if exc.errors else exc.detail
        return _send_page(
            request, status_code=exc.kind.status, nil_error=f"{exc.detail} ({detail})"
        )
    return RedirectResponse(f"/sent?week={week}&done=nil", status_code=303)


@router.get("/send/typed")
def typed_form(
    request: Request, session: SessionDep, signed: ProviderPage, week: WeekParam = None
) -> HTMLResponse:
    """The children whose provision is open in the week, with last week's hours to confirm."""
    _, provider_id = _provider(signed)
    chosen = week or monday_of(today())
    children = children_to_report(session, provider_id=provider_id, week_commencing=chosen)
    upns_read(request, session, (child.upn for child in children))
    return _typed_page(request, chosen, children, {str(c.upn): str(c.last_hours) for c in children})


def _typed_page(
    request: Request,
    week: date,
    children: list[ChildToReport],
    hours: dict[str, str],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return page(
        request,
        "typed.html",
        title="Type this week's hours",
        status_code=422 if errors else 200,
        week=week,
        previous_week=week - WEEK,
        next_week=week + WEEK,
        children=children,
        hours=hours,
        errors=errors or {},
        error_summary=errors or None,
    )


@router.post("/send/typed")
async def send_typed(
    request: Request, session: SessionDep, signed: ProviderPage, _form: CheckedForm
) -> Response:
    """The typed hours as one batch, all or nothing."""
    form = await request.form()
    principal, provider_id = _provider(signed)
    try:
        week = monday_of(date.fromisoformat(str(form.get("week", ""))))
    except ValueError:
        return RedirectResponse("/send/typed", status_code=303)
    children = await run_in_threadpool(
        children_to_report, session, provider_id=provider_id, week_commencing=week
    )
    upns_read(request, session, (child.upn for child in children))
    hours = {child.upn: str(form.get(f"hours-{child.upn}", "")).strip() for child in children}
    records, errors = [], {}
    for child in children:
        try:
            records.append(child.record(week, Decimal(hours[child.upn])))
        except (ArithmeticError, ValidationError):
            errors[f"hours-{child.upn}"] = (
                f"Enter the hours for {child.given_name or ''} {child.family_name or ''} "
                f"({child.upn}) as a number from 0 to 60, like 12.5"
            ).replace("  ", " ")
    if not errors and records:
        try:
            async with request.app.state.batch_turns.turn():
                await run_in_threadpool(_store, session, records, principal, request)
        except ProblemError as exc:
            await run_in_threadpool(_undo, session, exc)
            errors = {
                f"hours-{children[_record_index(error['pointer'])].upn}": f"{exc.detail} "
                f"({error['detail']})"
                for error in exc.errors or [{"pointer": "", "detail": exc.detail}]
            }
    if errors:
        return _typed_page(request, week, children, hours, errors)
    return RedirectResponse(f"/sent?week={week}&done={len(records)}", status_code=303)


def _record_index(pointer: object) -> int:
    """The record an error's pointer (/records/<i>/…) names; the first when it names none."""
    parts = str(pointer).split("/")
    return int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
