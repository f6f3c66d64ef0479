"""Many rows in one statement, written once for both databases.

The rows travel as one parameter per column on PostgreSQL (arrays, unnested) and as one JSON
document on SQLite (read with json_each), so a statement over a thousand rows is one round
trip with a handful of parameters, not a thousand bound rows. Statements join these rows like a
table: insert from them, update or delete the rows they match.
"""

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Subquery, Text, bindparam, cast, column, func, select
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
    if is_postgresql(session):
        # JSON travels as text (an array of json is not something drivers adapt) and is cast.
        carried = [
            (name_, Text() if isinstance(type_, JSON) else type_) for name_, type_ in columns
        ]
        arrays = [
            bindparam(
                f"{name}_{column_name}",
                [_carried(row[index], type_) for row in values],
                type_=postgresql.ARRAY(carried_type),
            )
            for index, ((column_name, type_), (_, carried_type)) in enumerate(
                zip(columns, carried, strict=True)
            )
        ]
        unnested = (
            func.unnest(*arrays)
            .table_valued(*(column(name_, type_) for name_, type_ in carried))
            .render_derived(name=f"{name}_arrays")
        )
        return select(
            *(
                (
                    cast(unnested.c[name_], type_) if isinstance(type_, JSON) else unnested.c[name_]
                ).label(name_)
                for name_, type_ in columns
            )
        ).subquery(name)
    document = json.dumps([list(row) for row in values], default=_json_value)
    each = func.json_each(bindparam(f"{name}_rows", document)).table_valued("value")
    return select(
        *(
            coerce(func.json_extract(each.c.value, f"$[{index}]"), type_).label(name_)
            for index, (name_, type_) in enumerate(columns)
        )
    ).subquery(name)


def _carried(value: Any, type_: TypeEngine[Any]) -> Any:
    return json.dumps(value) if isinstance(type_, JSON) and value is not None else value


def _json_value(value: Any) -> Any:
    # SQLite keeps NUMERIC as a number and dates as ISO text, as SQLAlchemy stores them.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot carry {type(value).__name__} in bulk rows")


def insert_into(session: Session, table: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into a mapped table for the session's database, which takes ON CONFLICT."""
    if is_postgresql(session):
        return postgresql.insert(table)
    return sqlite.insert(table)
