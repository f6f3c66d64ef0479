"""The inspection list: every child below full time or in alternative provision in a week,
without names, and its CSV download (all an inspector sees)."""

from itertools import islice

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from app.audit.service import children_read
from app.csv_answers import CSV
from app.database import SessionDep
from app.extracts.service import (
    csv_lines,
    extract_count,
    extract_rows,
    streamed_rows,
)
from app.register.service import load_calendar
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import InspectionPage
from app.web.weeks import WeekParam, week_or_default

router = APIRouter(route_class=PageRoute)
SHOWN = 100


@router.get("/inspection")
def inspection(
    request: Request, session: SessionDep, _signed: InspectionPage, week: WeekParam = None
) -> HTMLResponse:
    """The first children on the inspection list for a week, and how many there are."""
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)
    rows = list(islice(extract_rows(session, week=chosen, calendar=calendar), SHOWN))
    children_read(request, (row["child_id"] for row in rows))
    return page(
        request,
        "inspection.html",
        title="Inspection list",
        week=chosen,
        rows=rows,
        total=extract_count(session, week=chosen),
    )


@router.get("/inspection/download")
def inspection_download(
    request: Request, session: SessionDep, _signed: InspectionPage, week: WeekParam = None
) -> StreamingResponse:
    """The whole inspection list for a week as CSV, as the API's extract gives it."""
    settings = request.app.state.settings
    calendar = load_calendar(session)
    chosen = week_or_default(week, calendar)
    rows = streamed_rows(request, session, week=chosen, calendar=calendar)
    filename = f"inspection-extract-{settings.la_code}-{chosen.isoformat()}.csv"
    return StreamingResponse(
        csv_lines(rows),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
