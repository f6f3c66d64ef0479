"""The Register page: every child on it for a week, filtered, searched, sorted, paged, and
downloadable as CSV."""

from math import ceil
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import Field

from app.csv_answers import csv_answer
from app.database import SessionDep
from app.inputs import Id, Text
from app.people.service import person_principal
from app.providers.service import list_providers
from app.register.facts import PROVISION_TYPES, REASONS
from app.register.listing import RegisterFilter, RegisterSort, register_listing
from app.register.service import load_calendar, register_week_of
from app.register.status import statuses
from app.summary.service import year_group_label
from app.vocabulary import ProvisionType, Reason
from app.web.forms import Blank
from app.web.rendering import page
from app.web.routing import PageRoute
from app.web.session import OfficerPage
from app.web.weeks import WeekParam, week_or_default

router = APIRouter(route_class=PageRoute)
PER_PAGE = 50
CSV_LIMIT = 100_000
YEAR_GROUPS = range(0, 14)


@router.get("/register")
def register_page(
    request: Request,
    session: SessionDep,
    signed: OfficerPage,
    week: WeekParam = None,
    below: Annotated[Blank[bool], Query()] = None,
    provider: Annotated[Blank[Id], Query()] = None,
    provision_type: Annotated[Blank[ProvisionType], Query()] = None,
    reason: Annotated[Blank[Reason], Query()] = None,
    year_group: Annotated[Blank[Annotated[int, Field(ge=0, le=13)]], Query()] = None,
    q: Annotated[Blank[Annotated[Text, Field(max_length=100)]], Query()] = None,
    sort: RegisterSort = RegisterSort.weeks_below,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    download: Annotated[Blank[bool], Query(alias="format")] = None,
) -> Response:
    """The register for a week."""
    settings = request.app.state.settings
    calendar = load_calendar(session)
    chosen_week = week_or_default(week, calendar)
    chosen = RegisterFilter(
        below_threshold=below,
        provision_type=provision_type,
        provider_id=provider,
        reason=reason,
        year_group=year_group,
        search=q,
    )
    csv = bool(download)
    listing = register_listing(
        session,
        week=chosen_week,
        calendar=calendar,
        chosen=chosen,
        sort=sort,
        offset=0 if csv else (page_number - 1) * PER_PAGE,
        limit=CSV_LIMIT if csv else PER_PAGE,
    )
    children = statuses(
        session,
        principal=person_principal(signed.person),
        children=[(pupil, register_week_of(row)) for pupil, row in listing.rows],
        week_commencing=chosen_week,
        full_time_hours=settings.full_time_hours,
        calendar=calendar,
        with_names=True,
    )
    request.state.children = len(children)
    providers = {provider.id: provider.name for provider in list_providers(session)}
    if csv:
        return csv_answer(
            ("upn", "total_hours", "below_threshold", "weeks_below", "below_since", "providers"),
            (
                (
                    child.upn,
                    child.total_hours,
                    child.below_threshold,
                    child.weeks_below,
                    child.below_since,
                    "; ".join(providers.get(p.provider_id, "") for p in child.providers),
                )
                for child in children
            ),
            filename=f"register-{settings.la_code}-{chosen_week}.csv",
        )
    query = {
        key: value
        for key, value in request.query_params.items()
        if key not in ("page", "format") and value
    }
    pages = max(1, ceil(listing.total / PER_PAGE))
    return page(
        request,
        "register.html",
        title="Register",
        week=chosen_week,
        children=children,
        total=listing.total,
        page_number=page_number,
        pages=pages,
        page_link=lambda number: "/register?" + urlencode(query | {"page": number}),
        csv_link="/register?" + urlencode(query | {"week": chosen_week, "format": "true"}),
        chosen=chosen,
        sort=sort,
        sorts={
            RegisterSort.weeks_below: "Longest below full time first",
            RegisterSort.hours: "Fewest hours first",
            RegisterSort.upn: "UPN",
            RegisterSort.name: "Family name",
        },
        providers=providers,
        provision_types=PROVISION_TYPES,
        reasons=REASONS,
        year_groups=[(year, year_group_label(year)) for year in YEAR_GROUPS],
        full_time_hours=settings.full_time_hours,
    )
