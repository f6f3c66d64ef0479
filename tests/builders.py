"""Small typed builders for test data."""

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from stdnum.gb import upn as stdnum_upn

MONDAY = date(2026, 9, 7)  # a term-time Monday in the 2026/27 academic year


def make_upn(serial: int, *, la: int = 801, establishment: int = 2000, year: int = 15) -> str:
    """A valid permanent UPN with the right check letter."""
    body = f"{la:03d}{establishment:04d}{year:02d}{serial:03d}"
    return str(stdnum_upn.calc_check_digit(body)) + body


def make_temporary_upn(serial: int, *, letter: str = "A", la: int = 801) -> str:
    """A valid temporary UPN: the last serial digit is a letter."""
    body = f"{la:03d}200015{serial:02d}{letter}"
    return str(stdnum_upn.calc_check_digit(body)) + body


def week(n: int) -> date:
    """The Monday ``n`` weeks after MONDAY."""
    return MONDAY + timedelta(weeks=n)


def record(
    upn: str | None = None,
    *,
    week_commencing: date = MONDAY,
    hours: float = 10,
    provision_type: str = "alternative_provision",
    date_of_birth: date = date(2013, 5, 1),
    **extra: Any,
) -> dict[str, Any]:
    """A valid provision record as a client would send it."""
    return {
        "upn": upn or make_upn(1),
        "date_of_birth": date_of_birth.isoformat(),
        "week_commencing": week_commencing.isoformat(),
        "hours": hours,
        "provision_type": provision_type,
        **extra,
    }


def submit(client: TestClient, headers: dict[str, str], *records: dict[str, Any]) -> None:
    """Post records as one batch and insist it is accepted."""
    response = client.post(
        "/api/v1/provision-records/batch", json={"records": list(records)}, headers=headers
    )
    assert response.status_code == 200, response.text
