"""INSERT of many new rows through the driver's executemany, values converted beforehand.

`session.execute(insert(table), rows)` spent most of a 500-row batch in SQLAlchemy's per-row
parameter handling. Here each column's own bind processor (the conversion SQLAlchemy applies
for this dialect: UUID to hex on SQLite, enum member to its value, dict to JSON text, ...) and
its Python-side default run in one tight loop, and the driver gets plain tuples or dicts.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

_Column = tuple[str, Callable[[Any], Any] | None, Callable[[], Any] | None]  # key, convert, default


def _default(column: sa.Column) -> Callable[[], Any] | None:
    default = column.default
    if default is None or default.is_sequence or default.is_clause_element:
        return None
    if default.is_scalar:
        return lambda value=default.arg: value
    return lambda call=default.arg: call(None)  # SQLAlchemy wraps a plain callable to take a context


def _converter(column: sa.Column, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    if isinstance(column.type, sa.JSON):
        return _json_text(column, dialect)
    if dialect.name == "postgresql" and isinstance(column.type, sa.Uuid) and column.type.as_uuid:
        # COPY's text form: psycopg's own UUID adapter is Python, called per value; a repeated
        # value (office, estate, user) is converted once here (_column_values).
        return _uuid_text
    return column.type._cached_bind_processor(dialect)


def _uuid_text(value: Any) -> str:
    return value.hex if isinstance(value, uuid.UUID) else str(value)


@functools.lru_cache(maxsize=256)
def _compiled(table: sa.Table, keys: tuple[str, ...],
              dialect: sa.Dialect) -> tuple[str, tuple[_Column, ...], bool]:
    defaults = {c.key: _default(c) for c in table.columns if c.key not in keys and _default(c) is not None}
    every = keys + tuple(defaults)
    statement = sa.insert(table).compile(dialect=dialect, column_keys=list(every))
    order = tuple(statement.positiontup) if statement.positional else every
    assert set(order) == set(every), (order, every)
    columns = tuple((key, _converter(table.c[key], dialect), defaults.get(key)) for key in order)
    return str(statement), columns, statement.positional


def _column_values(rows: Sequence[dict[str, Any]], key: str, convert: Callable | None,
                   default: Callable | None) -> list[Any]:
    values = [default() for _ in rows] if default is not None else list(map(itemgetter(key), rows))
    if convert is None:
        return values
    if len(set(map(id, values))) == 1:
        # One object down the whole batch (its estate's office and region, the user, "now").
        return [None if values[0] is None else convert(values[0])] * len(values)
    if not isinstance(values[0], str | datetime):
        return [None if value is None else convert(value) for value in values]
    # Text, enum members and times repeat down a batch (one severity, one found_at per round):
    # each distinct value is converted once.
    memo: dict[Any, Any] = {}
    out = []
    for value in values:
        converted = memo.get(value, memo)
        if converted is memo:
            converted = memo[value] = None if value is None else convert(value)
        out.append(converted)
    return out


def _json_text(column: sa.Column, dialect: sa.Dialect) -> Callable[[Any], Any] | None:
    """A JSON column's text by orjson (a tenth of json.dumps' time for a record's clocks); the
    column's own conversion for anything orjson refuses. Readers parse it; the pull sends it
    as stored, and either form is the same JSON."""
    own = column.type._cached_bind_processor(dialect)

    def text(value: Any) -> Any:
        if type(value) is dict:
            try:
                return orjson.dumps(value).decode()
            except TypeError:
                pass
        return own(value) if own is not None else value

    return text


def among(column: sa.Column, values: Sequence[Any], dialect: sa.Dialect) -> sa.ColumnElement[bool]:
    """`column IN values` as one parameter, however many values: a statement with 500 of them
    cost more to render and bind than to run. PostgreSQL gets an array; SQLite a JSON list that
    json_each unpacks (both databases then look each value up on the column's index)."""
    if dialect.name == "postgresql":
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    if dialect.name == "sqlite":
        convert = column.type._cached_bind_processor(dialect)
        stored = [convert(value) for value in values] if convert is not None else list(values)
        listed = sa.func.json_each(sa.bindparam(None, orjson.dumps(stored).decode(), type_=sa.Text))
        return column.in_(sa.select(sa.column("value")).select_from(listed))
    return column.in_(values)


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
