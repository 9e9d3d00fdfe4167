"""INSERT of many new rows through the driver's executemany, values converted beforehand.

`session.execute(insert(table), rows)` spent most of a 500-row batch in SQLAlchemy's per-row
parameter handling. Here each column's own bind processor (the conversion SQLAlchemy applies
for this dialect: UUID to hex on SQLite, enum member to its value, dict to JSON text, ...) and
its Python-side default run in one tight loop, and the driver gets plain tuples or dicts.
"""

from __future__ import annotations

import contextlib
import decimal
import functools
import math
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import orjson
import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from server.domain.json_text import json_text

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
    """A JSON column's text as the ORM writes it (the engine's json_serializer), called directly
    for a dict; the column's own conversion for anything else (None, SQLAlchemy's JSON.NULL)."""
    own = column.type._cached_bind_processor(dialect)

    def text(value: Any) -> Any:
        if type(value) is dict:
            return json_text(value)
        return own(value) if own is not None else value

    return text


def among(column: sa.Column, values: Sequence[Any], dialect: sa.Dialect) -> sa.ColumnElement[bool]:
    """`column IN values` as one parameter, however many values: a statement with 500 of them
    cost more to render and bind than to run. PostgreSQL gets an array; SQLite a JSON list that
    json_each unpacks (both databases then look each value up on the column's index)."""
    if dialect.name == "postgresql":
        if isinstance(column.type, sa.Uuid) and all(type(value) is uuid.UUID for value in values):
            # One text literal the server casts: psycopg's UUID dumper is Python, called per
            # element of a list (2-3 ms for a batch of 500 ids, more than the query).
            listed = "{" + ",".join(map(str, values)) + "}"
            typed = sa.cast(sa.bindparam(None, listed, type_=sa.Text), postgresql.ARRAY(column.type))
            return column == sa.any_(typed)
        return column == sa.any_(sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    if dialect.name == "sqlite":
        convert = column.type._cached_bind_processor(dialect)
        stored = [convert(value) for value in values] if convert is not None else list(values)
        listed = sa.func.json_each(sa.bindparam(None, orjson.dumps(stored).decode(), type_=sa.Text))
        return column.in_(sa.select(sa.column("value")).select_from(listed))
    return column.in_(values)


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, Any]],
                stream: CopyStream | None = None) -> None:
    """Insert `rows` (dicts with the same keys; Python values as the ORM holds them). On
    PostgreSQL into `stream` when given (its COPY may stay open for more rows), else one COPY."""
    if not rows:
        return
    connection = session.connection()
    sql, columns, positional = _compiled(table, tuple(rows[0]), connection.dialect)
    values = [_column_values(rows, *column) for column in columns]
    if connection.dialect.name == "postgresql":
        own = stream or CopyStream(session)
        own.write(table, columns, values)
        if stream is None:
            own.close()
        return
    params: list = list(zip(*values, strict=True))
    if not positional:
        names = [column[0] for column in columns]
        params = [dict(zip(names, values, strict=True)) for values in params]
    connection.exec_driver_sql(sql, params)


class CopyStream:
    """PostgreSQL: rows written into a COPY that stays open while a batch's later rows are made,
    so the database process inserts them on the other core meanwhile (one COPY at the end kept
    the server waiting ~20 ms a batch of 500 findings for it). The COPY ends before any other
    statement runs on the connection, at `close()`, or by `abort()` on the way out of an error.
    Errors come as SQLAlchemy's, as for any statement (a duplicate id: IntegrityError)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._target: tuple[str, tuple[str, ...]] | None = None
        self._context: Any = None
        self._copy: Any = None
        self._cursor: Any = None
        self._connection: sa.Connection | None = None

    def write(self, table: sa.Table, columns: tuple[_Column, ...], values: list[list[Any]]) -> None:
        target = (table.name, tuple(column[0] for column in columns))
        if target != self._target:
            self.close()
            self._open(target)
        text = copy_text(values)
        try:
            if text is not None:
                self._copy.write(text)
            else:
                for row in zip(*values, strict=True):  # a value copy_text leaves to psycopg
                    self._copy.write_row(row)
        except psycopg.Error as exc:
            self._end(exc)
            raise _as_sqlalchemy(exc) from exc

    def close(self) -> None:
        """End the COPY: every row written is now in the table (or the error is raised)."""
        if self._context is not None:
            self._end(None)

    def abort(self) -> None:
        """End the COPY without its rows (the savepoint around it is being rolled back)."""
        if self._context is not None:
            with contextlib.suppress(psycopg.Error):
                self._end(RuntimeError("push attempt abandoned"))

    def _open(self, target: tuple[str, tuple[str, ...]]) -> None:
        connection = self.session.connection()
        quote = connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(name) for name in target[1])
        self._cursor = connection.connection.driver_connection.cursor()
        self._context = self._cursor.copy(f"COPY {quote(target[0])} ({names}) FROM STDIN")
        self._copy = self._context.__enter__()
        self._target, self._connection = target, connection
        connection.info[_OPEN_COPY] = self

    def _end(self, error: BaseException | None) -> None:
        context, connection, cursor = self._context, self._connection, self._cursor
        self._context = self._copy = self._target = self._connection = self._cursor = None
        connection.info.pop(_OPEN_COPY, None)
        try:
            if error is None:
                context.__exit__(None, None, None)
            else:
                context.__exit__(type(error), error, error.__traceback__)
        except psycopg.Error as exc:
            if error is None:
                raise _as_sqlalchemy(exc) from exc
        finally:
            cursor.close()


_OPEN_COPY = "xuncha_open_copy"


@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _end_open_copy(connection: sa.Connection, *_args: Any) -> None:
    """Any statement on a connection with a COPY open ends that COPY first."""
    stream = connection.info.get(_OPEN_COPY)
    if stream is not None:
        stream.close()


def _as_sqlalchemy(error: Exception) -> sa.exc.DBAPIError:
    return sa.exc.DBAPIError.instance("COPY", None, error, psycopg.Error)


# COPY's text format: a tab between values, a newline after each row, \N for NULL, and these
# four characters escaped inside a value.
_ESCAPED = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))  # the backslash first
_SPECIAL = tuple(char for char, _ in _ESCAPED)
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
