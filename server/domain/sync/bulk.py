"""INSERT of many new rows through the driver's executemany, values converted beforehand.

`session.execute(insert(table), rows)` spent most of a 500-row batch in SQLAlchemy's per-row
parameter handling. Here each column's own bind processor (the conversion SQLAlchemy applies
for this dialect: UUID to hex on SQLite, enum member to its value, dict to JSON text, ...) and
its Python-side default run in one tight loop, and the driver gets plain tuples or dicts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
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


def _value(row: dict[str, Any], key: str, convert: Callable | None, default: Callable | None) -> Any:
    value = row[key] if default is None else default()
    return value if convert is None or value is None else convert(value)


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys; Python values as the ORM holds them)."""
    if not rows:
        return
    connection = session.connection()
    sql, columns, positional = _compiled(table, tuple(rows[0]), connection.dialect)
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, rows)
        return
    if positional:
        params: list = [tuple(_value(row, *column) for column in columns) for row in rows]
    else:
        params = [{column[0]: _value(row, *column) for column in columns} for row in rows]
    connection.exec_driver_sql(sql, params)


def _copy(connection: sa.Connection, table: sa.Table, columns: tuple[_Column, ...],
          rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL: COPY, in the session's transaction. One executemany statement per row, even
    pipelined, kept the server busier than the rest of the batch."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column[0]) for column in columns)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(tuple(_value(row, *column) for column in columns))
