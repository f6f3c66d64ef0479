"""Children coming and going through the API, for the tests of the summary's outcomes: the
steps a register sees (spells of weeks, withdrawals, ends, UPN changes and calendar changes)
and histories of them with the awkward cases of leaving."""

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from app.register.tallies import RETURNED_FULL_TIME
from tests.builders import make_upn, record, week

Headers = dict[str, str]
# Two children of one age, one whose compulsory school age ends in June 2026, and a UPN no
# child has until a UPN change gives it.
BORN = {0: date(2013, 5, 1), 1: date(2013, 5, 1), 2: date(2010, 5, 1)}
UPNS = [make_upn(serial) for serial in range(4)]
# Weeks from June 2026 (week -14) to November 2026, around MONDAY (7 September 2026).
WEEKS = range(-14, 10)
REASONS = (RETURNED_FULL_TIME, "moved_out_of_area", "whereabouts_unknown")
# Summer term to 22 July; autumn from Wednesday 2 September, so a July end's exit week is the
# last week of August...
AUGUST_RETURN = {
    "terms": [
        {"name": "Summer", "start_date": "2026-04-13", "end_date": "2026-07-22"},
        {"name": "Autumn 1", "start_date": "2026-09-02", "end_date": "2026-10-23"},
        {"name": "Autumn 2", "start_date": "2026-11-02", "end_date": "2026-12-18"},
    ],
    "closures": [],
}
# ...or from 7 September, so it is in September; with half term a week earlier and a week of
# closures in June, so the term weeks on the register differ too.
SEPTEMBER_RETURN = {
    "terms": [
        {"name": "Summer", "start_date": "2026-04-13", "end_date": "2026-07-22"},
        {"name": "Autumn 1", "start_date": "2026-09-07", "end_date": "2026-10-16"},
        {"name": "Autumn 2", "start_date": "2026-10-26", "end_date": "2026-12-18"},
    ],
    "closures": [{"date": f"2026-06-{day:02d}", "description": "Flood"} for day in range(15, 20)],
}
CALENDARS: list[dict[str, Any]] = [{"terms": [], "closures": []}, AUGUST_RETURN, SEPTEMBER_RETURN]

# ("spell", child, provider, first week, how many weeks, the end after them: (day, reason) or
# None); ("withdraw", child, provider, week); ("end", child, provider or None for every one,
# week, (day, reason)); ("upn", child, whose UPN they take); ("calendar", one of CALENDARS).
Step = tuple[Any, ...]


def take(client: TestClient, officer: Headers, providers: tuple[int, int], step: Step) -> None:
    """One step as the API takes it; a write the register refuses changes nothing."""
    kind, *rest = step
    if kind == "calendar":
        response = client.put("/api/v1/calendar", json=CALENDARS[rest[0]], headers=officer)
        assert response.status_code == 200, response.text
        return
    child, *rest = rest
    upn = UPNS[child]
    if kind == "spell":
        provider, first, length, end = rest
        records = [
            record(upn, week_commencing=week(n), date_of_birth=BORN[child],
                   provider_id=providers[provider])
            for n in range(first, first + length)
        ]  # fmt: skip
        response = client.post(
            "/api/v1/provision-records/batch", json={"records": records}, headers=officer
        )
        assert response.status_code < 500, response.text
        if end is not None:
            take(client, officer, providers, ("end", child, provider, first + length - 1, end))
        return
    if kind == "withdraw":
        provider, n = rest
        response = client.delete(
            "/api/v1/provision-records",
            params={
                "upn": upn,
                "week_commencing": week(n).isoformat(),
                "provider_id": providers[provider],
            },
            headers=officer,
        )
    elif kind == "end":
        provider, n, (day, reason) = rest
        body = {
            "upn": upn,
            "date_of_birth": BORN[child].isoformat(),
            "end_date": (week(n) + timedelta(days=day)).isoformat(),
            "end_reason": reason,
        }
        if provider is not None:
            body["provider_id"] = providers[provider]
        response = client.post("/api/v1/provision-ends", json=body, headers=officer)
    else:
        response = client.post(
            f"/api/v1/pupils/{upn}/upn-change", json={"new_upn": UPNS[rest[0]]}, headers=officer
        )
    assert response.status_code < 500, response.text


# A child leaves twice in the autumn; leaves in August with the exit week in September (which
# counts in neither year), then in August; comes back and leaves again, then is merged into
# another child; or has their time on the register shortened by a calendar change.
LEAVES_TWICE = [
    ("spell", 0, 0, 0, 2, (4, RETURNED_FULL_TIME)),
    ("spell", 0, 1, 3, 2, (2, "moved_out_of_area")),
]
SUMMER_LEAVER = [
    ("calendar", 2),
    ("spell", 1, 0, -8, 2, None),
    ("end", 1, 0, -2, (4, RETURNED_FULL_TIME)),
    ("calendar", 1),
    ("calendar", 0),
]
REJOINS = [
    ("spell", 1, 0, -3, 1, (1, "whereabouts_unknown")),
    ("spell", 1, 1, 2, 4, (0, RETURNED_FULL_TIME)),
    ("withdraw", 1, 1, 2),
    ("spell", 0, 0, 2, 2, (4, "moved_out_of_area")),
    ("upn", 1, 0),
]
SHORTENED = [
    ("spell", 1, 0, -13, 4, (4, RETURNED_FULL_TIME)),
    ("calendar", 2),
    ("spell", 2, 1, -12, 1, None),
    ("calendar", 0),
]
