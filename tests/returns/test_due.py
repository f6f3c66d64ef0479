"""When a week's return falls due: working days after the week ends, weekends skipped."""

from datetime import date

import pytest

from app.returns.service import due_by

WEEK_OF = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("working_days", "last_day"),
    [
        (0, date(2026, 11, 22)),  # the week's own Sunday
        (2, date(2026, 11, 24)),  # Tuesday
        (5, date(2026, 11, 27)),  # Friday
        (6, date(2026, 11, 30)),  # over the weekend to Monday
    ],
)
def test_a_return_is_due_working_days_after_the_week(working_days: int, last_day: date) -> None:
    assert due_by(WEEK_OF, working_days) == last_day
