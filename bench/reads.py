"""The reads integrators and providers make besides the dashboards: the change feed, a
provider's "what we sent", the returns list and spreadsheet uploads."""

import csv
import io
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from app.database import make_engine
from app.models import Pupil
from app.models.provision import ProvisionRecord
from bench import api as http
from bench.load import sqlalchemy_url

FEED_PAGE = 1000  # the change feed's largest page, for catching up
CATCH_UP = 100_000  # changes a mirror catches up on
UPLOAD_ROWS = 1000
UPLOAD_COLUMNS = ("upn", "date_of_birth", "week_commencing", "hours", "provision_type")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def feed_catch_up(officer: http.Api, changes: int = CATCH_UP) -> dict[str, Any]:
    """Follow the change feed from its start, a page of 1,000 at a time, as a new mirror does;
    where it stopped is where the timed page reads are asked from."""
    read = pages = 0
    path: str | None = f"/api/v1/changes?limit={FEED_PAGE}"
    started = time.perf_counter()
    with officer.session() as client:
        while path and read < changes:
            response = client.get(path, headers=officer.headers())
            response.raise_for_status()
            page = response.json()
            read += len(page["items"])
            pages += 1
            path = page["next"] if page["items"] else None
    seconds = time.perf_counter() - started
    return {
        "next": path,
        "changes": read,
        "pages": pages,
        "seconds": round(seconds, 2),
        "changes_per_second": round(read / seconds, 1) if seconds else None,
    }


def busiest_provider(url: str, week: date) -> tuple[int, int]:
    """The provider with the most records in the week, and how many it has."""
    engine = make_engine(sqlalchemy_url(url))
    with engine.connect() as connection:
        provider_id, records = connection.execute(
            select(ProvisionRecord.provider_id, func.count())
            .where(ProvisionRecord.week_commencing == week)
            .group_by(ProvisionRecord.provider_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    engine.dispose()
    return provider_id, records


def read_urls(as_at: date, week: date, feed_at: str) -> dict[str, Callable[[int], str]]:
    """A page of the feed (its default size) from where a mirror got to, a provider's
    listings, the returns list and the late-returns alert."""
    return {
        "changes_page": lambda _: feed_at.replace(f"limit={FEED_PAGE}", "limit=100"),
        "sent_one_week": lambda _: f"/api/v1/provision-records?week_commencing={week}",
        "sent_all_weeks": lambda _: "/api/v1/provision-records",
        "returns": lambda _: f"/api/v1/returns?week_commencing={week}",
        "alerts_late_returns": lambda _: (
            f"/api/v1/alerts?as_at={as_at}&rule=provider_return_missing"
        ),
    }


def listing_latencies(
    officer: http.Api, provider: http.Api, as_at: date, feed_at: str, requests: int
) -> dict[str, Any]:
    """p50/p99 of each read, the provider's listings with the provider's own token."""
    result: dict[str, Any] = {}
    for name, url_for in read_urls(as_at, as_at, feed_at).items():
        caller = provider if name.startswith("sent_") else officer
        outcome = http.time_gets(caller, url_for, requests=requests, max_seconds=60)
        result[name] = outcome.summary()
    return result


def upload_rows(url: str, provider_id: int, week: date) -> list[tuple[str, ...]]:
    """Up to 1,000 of the provider's records for the week, as a spreadsheet's rows."""
    engine = make_engine(sqlalchemy_url(url))
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                Pupil.upn,
                Pupil.date_of_birth,
                ProvisionRecord.week_commencing,
                ProvisionRecord.hours,
                ProvisionRecord.provision_type,
            )
            .join(Pupil, Pupil.id == ProvisionRecord.pupil_id)
            .where(
                ProvisionRecord.provider_id == provider_id,
                ProvisionRecord.week_commencing == week,
            )
            .order_by(ProvisionRecord.pupil_id)
            .limit(UPLOAD_ROWS)
        ).all()
    engine.dispose()
    return [tuple(str(value) for value in row) for row in rows]


def as_csv(rows: list[tuple[str, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(UPLOAD_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


def as_xlsx(rows: list[tuple[str, ...]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(UPLOAD_COLUMNS)
    for upn, born, week, hours, provision_type in rows:
        sheet.append(
            [upn, date.fromisoformat(born), date.fromisoformat(week), float(hours), provision_type]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def uploads(provider: http.Api, rows: list[tuple[str, ...]], rounds: int) -> dict[str, Any]:
    """A provider re-sends its week as a CSV and as a workbook (each re-send replaces)."""
    result: dict[str, Any] = {"rows": len(rows)}
    for kind, body, media_type in (
        ("csv", as_csv(rows), "text/csv"),
        ("xlsx", as_xlsx(rows), XLSX),
    ):
        outcome = http.Outcome()
        with provider.session() as client:
            started = time.perf_counter()
            for _ in range(rounds):
                headers = provider.headers() | {"Content-Type": media_type}
                sent = time.perf_counter()
                response = client.post(
                    "/api/v1/provision-records/batch", content=body, headers=headers
                )
                outcome.add(response, time.perf_counter() - sent, len(rows), ok=200)
            outcome.seconds = time.perf_counter() - started
        result[kind] = outcome.summary() | {"bytes": len(body)}
    return result


def measure(
    admin: http.Api,
    officer: http.Api,
    url: str,
    as_at: date,
    requests: int,
) -> dict[str, Any]:
    """Everything above, for the provider with most records in the as-at week."""
    provider_id, records = busiest_provider(url, as_at)
    provider = admin.new_client("provider", provider_id)
    caught_up = feed_catch_up(officer)
    feed_at = caught_up["next"] or f"/api/v1/changes?limit={FEED_PAGE}"
    result: dict[str, Any] = {
        "provider_records_in_week": records,
        "feed_catch_up": caught_up,
        "latency": listing_latencies(officer, provider, as_at, feed_at, requests),
        "uploads": uploads(provider, upload_rows(url, provider_id, as_at), rounds=10),
    }
    return result
