"""Many rows in one statement, written once for both databases.

The rows travel as one parameter: a JSON document (an array of rows) that the database reads
as a table, with jsonb_array_elements on PostgreSQL (parsed once) and json_each on SQLite. A
statement over a thousand rows is one round trip with one parameter, encoded and parsed in C,
not a thousand bound rows. Statements join these rows like a table: insert from them, update
or delete the rows they match.
"""

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import JSON, Subquery, Text, bindparam, cast, func, literal_column, select
from sqlalchemy import type_coerce as coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

Columns = Sequence[tuple[str, TypeEngine[Any]]]


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def rows(
    session: Session, name: str, columns: Columns, values: Sequence[Sequence[Any]]
) -> Subquery:
    """``values`` (one tuple per row) as a subquery named ``name`` with these typed columns."""
    postgres = is_postgresql(session)
    document = json.dumps(
        [list(row) for row in values], default=partial(_json_value, exact=postgres)
    )
    if postgres:
        elements = (
            func.jsonb_array_elements(
                cast(bindparam(f"{name}_rows", document, Text), postgresql.JSONB)
            )
            .table_valued("value")
            .render_derived(name=f"{name}_elements")
        )
        return select(
            *(
                # ->> gives the element as text, which PostgreSQL casts to the column's type.
                cast(
                    elements.c.value.op("->" if isinstance(type_, JSON) else "->>")(
                        literal_column(str(index))
                    ),
                    type_,
                ).label(column)
                for index, (column, type_) in enumerate(columns)
            )
        ).subquery(name)
    each = func.json_each(bindparam(f"{name}_rows", document)).table_valued("value")
    return select(
        *(
            coerce(func.json_extract(each.c.value, f"$[{index}]"), type_).label(column)
            for index, (column, type_) in enumerate(columns)
        )
    ).subquery(name)


def _json_value(value: Any, *, exact: bool) -> Any:
    # PostgreSQL reads a decimal from text exactly; SQLite keeps NUMERIC as a number, as
    # SQLAlchemy stores it there. Dates are ISO text on both.
    if isinstance(value, Decimal):
        return str(value) if exact else float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot carry {type(value).__name__} in bulk rows")


def insert_into(session: Session, table: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into a mapped table for the session's database, which takes ON CONFLICT."""
    if is_postgresql(session):
        return postgresql.insert(table)
    return sqlite.insert(table)
