"""Dashboard summary and weekly trend, as JSON or CSV, with disclosure control."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from statistics import mean, median
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.auth.dependencies import allow
from app.auth.schemas import Principal, Role
from app.config import Settings
from app.csv_answers import csv_answer, wants_csv
from app.database import SessionDep
from app.errors import InvalidContent
from app.inputs import AsAt, FromDate, ToDate, today
from app.openapi import csv_content
from app.register.rules import WEEK, monday_of, threshold_for
from app.register.service import load_calendar, register_version
from app.register.tallies import RETURNED_FULL_TIME
from app.summary.disclosure import SUPPRESSED, Cell, suppress, suppress_value
from app.summary.schemas import (
    Breakdown,
    DurationBand,
    ExitCount,
    Summary,
    Trend,
    TrendPoint,
)
from app.summary.service import DURATION_BANDS, Figures, figures
from app.summary.service import trend as trend_points

router = APIRouter(prefix="/summary", tags=["summary"])

SummaryReader = Annotated[Principal, allow(Role.admin, Role.la_officer, Role.inspector)]
Suppress = Annotated[
    bool | None,
    Query(
        description="Suppress counts of 1-4. Default off for LA officers' own dashboards; "
        "always on for inspectors, whose figures leave the LA."
    ),
]
MAX_TREND_WEEKS = 156


def _suppressing(principal: Principal, requested: bool | None) -> bool:
    return principal.role is Role.inspector or bool(requested)


@router.get(
    "",
    operation_id="get_summary",
    response_model=Summary,
    responses={
        200: {
            "content": csv_content(
                "measure,group,value\nchildren_on_register,,42\n"
                "children_below_threshold,,c\nchildren_by_provision_type,pru,7\n"
            )
        }
    },
)
def summary(
    request: Request,
    session: SessionDep,
    principal: SummaryReader,
    as_at: AsAt = None,
    suppress_small: Annotated[bool | None, Query(alias="suppress")] = None,
) -> Summary | Response:
    """Children on the register and below threshold; mean and median hours of those below;
    run lengths in bands and beyond the LA's limit; breakdowns by provision type, reason,
    provider and year group; and outcomes: children who left the register this academic year
    by exit reason, and how many term weeks those who returned to full time were on it.
    `Accept: text/csv` gives the same figures as rows."""
    settings = request.app.state.settings
    week = monday_of(as_at or today())
    suppressing = _suppressing(principal, suppress_small)

    def compute() -> Summary:
        calendar = load_calendar(session)
        raw = figures(session, week=week, calendar=calendar, long_run_weeks=settings.long_run_weeks)
        threshold = threshold_for(week, full_time_hours=settings.full_time_hours, calendar=calendar)
        presented = _present(
            raw,
            suppressing=suppressing,
            below=settings.suppression_below,
            long_run_weeks=settings.long_run_weeks,
        )
        return Summary(
            la_code=settings.la_code,
            la_name=settings.la_name,
            threshold_hours=threshold,
            **presented,
        )

    body: Summary = request.app.state.aggregates.get_or_compute(
        ("summary", week, suppressing, register_version(session)), compute
    )
    if wants_csv(request):
        return _csv(body, filename=f"summary-{settings.la_code}-{week}.csv")
    return body


@router.get("/trend", operation_id="get_summary_trend")
def trend(
    request: Request,
    session: SessionDep,
    principal: SummaryReader,
    first: FromDate = None,
    last: ToDate = None,
    suppress_small: Annotated[bool | None, Query(alias="suppress")] = None,
) -> Trend:
    """One point per week from `from` to `to` (default the last 12 weeks): children on the
    register, below threshold and beyond the LA's run limit, for a dashboard's line chart."""
    settings = request.app.state.settings
    last_week = monday_of(last or today())
    first_week = monday_of(first) if first else last_week - 11 * WEEK
    if not first_week <= last_week < first_week + MAX_TREND_WEEKS * WEEK:
        raise InvalidContent(
            f"from must be on or before to, at most {MAX_TREND_WEEKS} weeks apart.",
            errors=[{"parameter": "from", "detail": "out of range"}],
        )
    suppressing = _suppressing(principal, suppress_small)

    def compute() -> Trend:
        return _trend(session, first_week, last_week, suppressing=suppressing, settings=settings)

    trend: Trend = request.app.state.aggregates.get_or_compute(
        ("trend", first_week, last_week, suppressing, register_version(session)), compute
    )
    return trend


def _trend(
    session: Session, first_week: date, last_week: date, *, suppressing: bool, settings: Settings
) -> Trend:
    calendar = load_calendar(session)
    points = []
    for week, on_register, below, beyond in trend_points(
        session,
        first=first_week,
        last=last_week,
        calendar=calendar,
        long_run_weeks=settings.long_run_weeks,
    ):
        registered, below_cell, _full_time = _headline(
            on_register, below, suppressing=suppressing, below=settings.suppression_below
        )
        points.append(
            TrendPoint(
                week_commencing=week,
                term_week=calendar.is_term_week(week),
                children_on_register=registered,
                children_below_threshold=below_cell,
                children_beyond_long_run=_count(
                    beyond, suppressing=suppressing, below=settings.suppression_below
                ),
            )
        )
    return Trend(suppressed=suppressing, long_run_weeks=settings.long_run_weeks, points=points)


def _count(count: int, *, suppressing: bool, below: int) -> Cell:
    """One count as published."""
    return suppress_value(count, below=below) if suppressing else count


def _headline(
    on_register: int, below_threshold: int, *, suppressing: bool, below: int
) -> tuple[Cell, Cell, Cell]:
    """Children on the register, below threshold and full time, as published. The last two
    add up to the first, so they are suppressed as one group."""
    full_time = on_register - below_threshold
    if not suppressing:
        return on_register, below_threshold, full_time
    cells = suppress({"below": below_threshold, "full_time": full_time}, below=below, additive=True)
    return suppress_value(on_register, below=below), cells["below"], cells["full_time"]


def _present(
    raw: Figures, *, suppressing: bool, below: int, long_run_weeks: int
) -> dict[str, object]:
    """The figures as published: raw, or with small counts suppressed."""

    def group(counts: dict[str, int], *, additive: bool) -> dict[str, Cell]:
        return suppress(counts, below=below, additive=additive) if suppressing else dict(counts)

    def breakdown(rows: dict[str, tuple[int, int]], *, additive: bool) -> list[Breakdown]:
        children = group({k: v[0] for k, v in rows.items()}, additive=additive)
        below_cells = group({k: v[1] for k, v in rows.items()}, additive=additive)
        return [
            Breakdown(key=k, children=children[k], below_threshold=below_cells[k]) for k in rows
        ]

    registered, below_cell, full_time = _headline(
        raw.on_register, raw.below, suppressing=suppressing, below=below
    )
    bands = group(raw.duration_bands, additive=True)
    beyond: Cell = raw.beyond_long_run
    hidden_bands = [
        band
        for band, low, _high in DURATION_BANDS
        if bands.get(band) == "c" and low > long_run_weeks
    ]
    if suppressing:
        beyond = SUPPRESSED if hidden_bands else suppress_value(raw.beyond_long_run, below=below)
    # Averages of fewer children than the suppression threshold could describe one child.
    small = suppressing and raw.below < below

    def average(value: Decimal | None) -> float | None:
        return None if value is None or small else round(float(value), 2)

    outcomes = raw.outcomes
    left = group(outcomes.by_exit_reason, additive=True)
    returned = outcomes.weeks_to_full_time
    few_returned = suppressing and len(returned) < below

    def weeks_to_full_time(value: float | None) -> float | None:
        return None if value is None or few_returned else round(value, 2)

    return {
        "week_commencing": raw.week_commencing,
        "suppressed": suppressing,
        "children_on_register": registered,
        "children_below_threshold": below_cell,
        "children_full_time": full_time,
        "children_unreported": _count(raw.unreported, suppressing=suppressing, below=below),
        "mean_hours_below": average(raw.mean_hours_below),
        "median_hours_below": average(raw.median_hours_below),
        "mean_weeks_below": average(raw.mean_weeks_below),
        "median_weeks_below": average(raw.median_weeks_below),
        "long_run_weeks": long_run_weeks,
        "children_beyond_long_run": beyond,
        "duration_bands": [
            DurationBand(weeks=band, children=bands[band])
            for band, *_ in DURATION_BANDS
            if band in bands
        ],
        "by_provision_type": breakdown(raw.by_provision_type, additive=False),
        "by_reason": breakdown(raw.by_reason, additive=False),
        "by_provider": breakdown(raw.by_provider, additive=False),
        "by_year_group": breakdown(raw.by_year_group, additive=True),
        "academic_year_starts": outcomes.academic_year_starts,
        "children_left_register": _count(
            sum(outcomes.by_exit_reason.values()), suppressing=suppressing, below=below
        ),
        "left_register_by_reason": [
            ExitCount(exit_reason=reason, children=children) for reason, children in left.items()
        ],
        "children_returned_full_time": left.get(RETURNED_FULL_TIME, 0),
        "mean_weeks_to_full_time": weeks_to_full_time(mean(returned) if returned else None),
        "median_weeks_to_full_time": weeks_to_full_time(median(returned) if returned else None),
    }


def _csv(body: Summary, *, filename: str) -> Response:
    """The summary as measure,group,value rows (one table a spreadsheet can pivot)."""
    return csv_answer(("measure", "group", "value"), _rows(body), filename=filename)


def _rows(body: Summary) -> Iterator[tuple[Any, ...]]:
    for name, value in body.model_dump(mode="json").items():
        if isinstance(value, list):
            # A list's rows are (group, counts...): one CSV row per count.
            for row in value:
                group, *columns = row
                for column in columns:
                    yield (f"{column}_{name}", row[group], row[column])
        else:
            yield (name, "", value)
