"""INSERT of many new rows through the driver's executemany, values converted beforehand.

`session.execute(insert(table), rows)` spent most of a 500-row batch in SQLAlchemy's per-row
parameter handling. Here each column's own bind processor (the conversion SQLAlchemy applies
for this dialect: UUID to hex on SQLite, enum member to its value, dict to JSON text, ...) and
its Python-side default run in one tight loop, and the driver gets plain tuples or dicts.
"""

from __future__ import annotations

import decimal
import functools
import math
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
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
    values = [_column_values(rows, *column) for column in columns]
    if connection.dialect.name == "postgresql":
        _copy(connection, table, columns, values)
        return
    params: list = list(zip(*values, strict=True))
    if not positional:
        names = [column[0] for column in columns]
        params = [dict(zip(names, values, strict=True)) for values in params]
    connection.exec_driver_sql(sql, params)


def _copy(connection: sa.Connection, table: sa.Table, columns: tuple[_Column, ...],
          values: list[list[Any]]) -> None:
    """PostgreSQL: COPY, in the session's transaction. One executemany statement per row, even
    pipelined, kept the server busier than the rest of the batch."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column[0]) for column in columns)
    text = copy_text(values)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
        if text is not None:
            copy.write(text)
            return
        for row in zip(*values, strict=True):  # a value copy_text leaves to psycopg
            copy.write_row(row)


# COPY's text format: a tab between values, a newline after each row, \N for NULL, and these
# four characters escaped inside a value.
_SPECIAL = ("\\", "\t", "\n", "\r")
_ESCAPED = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_NULL = "\\N"


def copy_text(columns: list[list[Any]]) -> str | None:
    """The rows (given column by column) in COPY's text format; None when a value is of a type
    not written here (psycopg's own row writer, value by value, then takes them all).

    psycopg writes each value through its type's dumper, about 25 µs a row of a finding; here a
    column is formatted at once and the rows joined in C."""
    texts = []
    for values in columns:
        column = _copy_column(values)
        if column is None:
            return None
        texts.append(column)
    return "".join(["\t".join(row) + "\n" for row in zip(*texts, strict=True)])


def _copy_column(values: list[Any]) -> list[str] | None:
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:
        return [_NULL] * len(values)
    if len(kinds) > 1:
        return None
    (kind,) = kinds
    if kind is str:
        filled = "".join([value for value in values if value is not None])
        if any(char in filled for char in _SPECIAL):
            return [_NULL if value is None else _escape(value) for value in values]
        return [_NULL if value is None else value for value in values]
    write = _WRITERS.get(kind)
    if write is None:
        return None
    try:
        return [_NULL if value is None else write(value) for value in values]
    except (_NotWritten, ValueError):  # ValueError: a signalling NaN
        return None



class _NotWritten(Exception):
    pass


def _escape(value: str) -> str:
    for char, escaped in _ESCAPED:
        value = value.replace(char, escaped)
    return value


def _naive_time(value: datetime) -> str:
    if value.tzinfo is not None:  # psycopg would convert it by the session's time zone
        raise _NotWritten
    return value.isoformat(" ")


def _finite(value: float | decimal.Decimal) -> str:
    if math.isfinite(value):  # NaN and infinities: psycopg's own spelling
        return repr(value) if type(value) is float else str(value)
    raise _NotWritten


_WRITERS: dict[type, Callable[[Any], str]] = {
    int: str, bool: lambda value: "t" if value else "f", float: _finite, datetime: _naive_time,
    date: date.isoformat, decimal.Decimal: _finite,
}
