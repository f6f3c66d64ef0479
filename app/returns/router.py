"""Returns compliance: nil returns from providers with nothing to report, and the list of who
sent their week, for the LA to chase the rest."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.audit.service import children_read
from app.auth.dependencies import PupilReaderPrincipal, WriterPrincipal
from app.csv_answers import csv_answer, wants_csv
from app.database import SessionDep
from app.inputs import Id, today
from app.openapi import csv_content
from app.providers.acting import acting_provider
from app.provision.sent import listed_provider
from app.register.rules import WEEK, monday_of
from app.register.service import load_calendar
from app.returns.schemas import NilReturnIn, NilReturnOut, Returns
from app.returns.service import due_by, record_nil_return, returns_for
from app.vocabulary import Monday

router = APIRouter(tags=["returns"])

COLUMNS = (
    "provider_id",
    "provider_name",
    "provider_kind",
    "children_due",
    "children_returned",
    "status",
    "children_missing",
)


@router.post(
    "/nil-returns",
    operation_id="submit_nil_return",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": NilReturnOut, "description": "Already recorded."}},
)
def submit_nil_return(
    body: NilReturnIn, response: Response, session: SessionDep, principal: WriterPrincipal
) -> NilReturnOut:
    """Say that you had no children to report in a week (`201`; `200` if already said), so
    the LA does not chase you. Refused (`422`) while any child's provision with you is open
    that week: send their records, or end the provision, instead."""
    provider_id = acting_provider(principal, body.provider_id, where={"pointer": "/provider_id"})
    if not record_nil_return(
        session,
        provider_id=provider_id,
        week_commencing=body.week_commencing,
        client_id=principal.client_id,
        this_week=monday_of(today()),
    ):
        response.status_code = status.HTTP_200_OK
    return NilReturnOut(provider_id=provider_id, week_commencing=body.week_commencing)


@router.get(
    "/returns",
    operation_id="list_returns",
    response_model=Returns,
    responses={
        200: {
            "content": csv_content(
                ",".join(COLUMNS)
                + "\n7,Oak Primary School,school,12,9,partial,A801200001001 B801200002001\n"
            )
        }
    },
)
def list_returns(
    request: Request,
    session: SessionDep,
    principal: PupilReaderPrincipal,
    week_commencing: Annotated[
        Monday | None, Query(description="Default: the last term week that has ended.")
    ] = None,
    provider_id: Annotated[Id | None, Query()] = None,
) -> Returns | Response:
    """Each provider that owed a return for the week (a child's provision with it open in a
    term week) or sent a nil return: children due, children it sent records for, and
    `received`, `partial`, `missing` or `nil_return`, and for `partial` and `missing` the
    children still due (UPN and week). The week's return is late after `due_by`
    (`REGISTER_RETURN_DUE_DAYS` working days after the week ends, default 2). A provider sees
    its own line. `Accept: text/csv` for CSV (the UPNs still due space-separated)."""
    calendar = load_calendar(session)
    last_week = monday_of(today()) - WEEK
    week = week_commencing or calendar.term_week_ending(last_week, 1) or last_week
    found = returns_for(
        session,
        week_commencing=week,
        calendar=calendar,
        provider_id=listed_provider(principal, provider_id),
    )
    children_read(request, found.missing_ids())
    lines = found.lines
    if wants_csv(request):
        rows = (
            line.model_dump(mode="json")
            | {"children_missing": " ".join(child.upn for child in line.children_missing)}
            for line in lines
        )
        return csv_answer(
            COLUMNS,
            ([row[column] for column in COLUMNS] for row in rows),
            filename=f"returns-{week}.csv",
        )
    due = due_by(week, request.app.state.settings.return_due_days)
    return Returns(
        week_commencing=week,
        term_week=calendar.is_term_week(week),
        due_by=due,
        late=today() > due,
        providers=lines,
    )
