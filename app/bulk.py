"""Many rows in one statement, written once for both databases.

The rows travel as one parameter: a JSON document (an array of rows) that the database reads
as a table, with jsonb_array_elements on PostgreSQL (parsed once) and json_each on SQLite. A
statement over a thousand rows is one round trip with one parameter, written (orjson) and read
in C, not a thousand bound rows. Statements join these rows like a table: insert from them,
update or delete the rows they match.
"""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Integer,
    Subquery,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
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
    document = orjson.dumps(values, default=_exact if postgres else float).decode()
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


def children(session: Session, name: str, pupil_ids: Iterable[int]) -> Subquery:
    """Children's ids as a row set with one column, ``pupil_id``: a batch's hundreds of ids
    cost more to plan as bound values of an IN list."""
    return rows(session, name, (("pupil_id", Integer()),), [(i,) for i in pupil_ids])


def _exact(value: Decimal) -> str:
    # PostgreSQL reads a decimal from text exactly; SQLite keeps NUMERIC as a number (float), as
    # SQLAlchemy stores it there. orjson writes dates as ISO text for both.
    return str(value)


def insert_into(session: Session, table: type[Any]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into a mapped table for the session's database, which takes ON CONFLICT."""
    if is_postgresql(session):
        return postgresql.insert(table)
    return sqlite.insert(table)
