"""INSERT of many new rows through the driver's executemany, values converted beforehand.

`session.execute(insert(table), rows)` spent most of a 500-row batch in SQLAlchemy's per-row
parameter handling. Here each column's own bind processor (the conversion SQLAlchemy applies
for this dialect: UUID to hex on SQLite, enum member to its value, dict to JSON text, ...) and
its Python-side default run in one tight loop, and the driver gets plain tuples or dicts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

_Column = tuple[str, Callable[[Any], Any] | None, Callable[[], Any] | None]  # key, convert, default


def _default(column: sa.Column) -> Callable[[], Any] | None:
    default = column.default
    if default is None or default.is_sequence or default.is_clause_element:
        return None
    if default.is_scalar:
        return lambda value=default.arg: value
    return lambda call=default.arg: call(None)  # SQLAlchemy wraps a plain callable to take a context


@functools.lru_cache(maxsize=256)
def _compiled(table: sa.Table, keys: tuple[str, ...],
              dialect: sa.Dialect) -> tuple[str, tuple[_Column, ...], bool]:
    defaults = {c.key: _default(c) for c in table.columns if c.key not in keys and _default(c) is not None}
    every = keys + tuple(defaults)
    statement = sa.insert(table).compile(dialect=dialect, column_keys=list(every))
    order = tuple(statement.positiontup) if statement.positional else every
    assert set(order) == set(every), (order, every)
    columns = tuple((key, table.c[key].type._cached_bind_processor(dialect), defaults.get(key))
                    for key in order)
    return str(statement), columns, statement.positional


def _column_values(rows: Sequence[dict[str, Any]], key: str, convert: Callable | None,
                   default: Callable | None) -> list[Any]:
    values = [default() for _ in rows] if default is not None else [row[key] for row in rows]
    if convert is None:
        return values
    if not isinstance(values[0], str | datetime):
        return [None if value is None else convert(value) for value in values]
    # Text, enum members and times repeat down a batch (one estate, one severity, one "now"):
    # each distinct value is converted once.
    memo: dict[Any, Any] = {}
    out = []
    for value in values:
        converted = memo.get(value, memo)
        if converted is memo:
            converted = memo[value] = None if value is None else convert(value)
        out.append(converted)
    return out


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys; Python values as the ORM holds them)."""
    if not rows:
        return
    connection = session.connection()
    sql, columns, positional = _compiled(table, tuple(rows[0]), connection.dialect)
    params: list = list(zip(*(_column_values(rows, *column) for column in columns), strict=True))
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, params)
        return
    if not positional:
        names = [column[0] for column in columns]
        params = [dict(zip(names, values, strict=True)) for values in params]
    connection.exec_driver_sql(sql, params)


def _copy(connection: sa.Connection, table: sa.Table, columns: tuple[_Column, ...],
          rows: list[tuple]) -> None:
    """PostgreSQL: COPY, in the session's transaction. One executemany statement per row, even
    pipelined, kept the server busier than the rest of the batch."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column[0]) for column in columns)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
