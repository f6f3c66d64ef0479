"""Leavers as tallies: the academic year's leavers by exit reason, and the term weeks those who
returned to full time were on the register, kept as changes by week like every other count

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

The stored exits are counted once here; every write keeps the counts current after it. SQL
pairs each exit with the child's next one and groups alike exits, so Python sees far fewer
groups than exits; the counting rules and the term weeks on the register come from the
register's pure core (app/register/tallies.py), over the calendar as stored.
"""

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.register.rules import RegisterExit, SchoolCalendar, Term
from app.register.tallies import (
    LEFT,
    RETURNED_FULL_TIME,
    WEEKS_TO_FULL_TIME,
    TallyKey,
    leaver,
    tally_changes,
)

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WEEKS = sa.table(
    "pupil_weeks",
    sa.column("pupil_id", sa.Integer()),
    sa.column("week_commencing", sa.Date()),
    sa.column("exit_reason", sa.String()),
    sa.column("left_register_on", sa.Date()),
    sa.column("on_register_since", sa.Date()),
)
TALLIES = sa.table(
    "tallies",
    sa.column("measure", sa.String()),
    sa.column("key", sa.String()),
    sa.column("week_commencing", sa.Date()),
    sa.column("children", sa.Integer()),
    sa.column("below", sa.Integer()),
    sa.column("below_hours", sa.Numeric(12, 2)),
)
TERMS = sa.table("terms", sa.column("start_date", sa.Date()), sa.column("end_date", sa.Date()))
CLOSURES = sa.table("closure_days", sa.column("day", sa.Date()))


def upgrade() -> None:
    connection = op.get_bind()
    exits = (
        sa.select(
            WEEKS.c.exit_reason,
            WEEKS.c.week_commencing,
            WEEKS.c.left_register_on,
            # Only a return to full time counts the time on the register before it.
            sa.case(
                (WEEKS.c.exit_reason == RETURNED_FULL_TIME, WEEKS.c.on_register_since),
                else_=WEEKS.c.week_commencing,
            ).label("since"),
            sa.func.lead(WEEKS.c.week_commencing, type_=sa.Date())
            .over(partition_by=WEEKS.c.pupil_id, order_by=WEEKS.c.week_commencing)
            .label("next_exit"),
        )
        .where(WEEKS.c.exit_reason.is_not(None))
        .subquery()
    )
    columns = (exits.c.exit_reason, exits.c.week_commencing, exits.c.left_register_on)
    groups = connection.execute(
        sa.select(*columns, exits.c.since, exits.c.next_exit, sa.func.count()).group_by(
            *columns, exits.c.since, exits.c.next_exit
        )
    )
    calendar = SchoolCalendar(
        terms=tuple(Term(start, end) for start, end in connection.execute(sa.select(TERMS))),
        closures=frozenset(connection.scalars(sa.select(CLOSURES.c.day))),
    )
    counts: Counter[TallyKey] = Counter()
    for reason, week, left, since, next_exit, children in groups:
        counted = leaver(RegisterExit(week, left, reason, since), next_exit, calendar)
        for key, change in tally_changes([], [counted]).items():
            counts[key] += change.children * children
    rows = [
        {
            "measure": measure,
            "key": key,
            "week_commencing": week,
            "children": children,
            "below": 0,
            "below_hours": 0,
        }
        for (week, measure, key), children in sorted(counts.items())
        if children
    ]
    if rows:
        op.bulk_insert(TALLIES, rows)


def downgrade() -> None:
    op.execute(sa.delete(TALLIES).where(TALLIES.c.measure.in_((LEFT, WEEKS_TO_FULL_TIME))))
