"""Statements compiled once to the driver's SQL and run on its cursor, for the hottest requests.

Each parameter gets the conversion SQLAlchemy itself would apply for the dialect (its bind
processor), and each result column its result processor, so values go in and come out as
through SQLAlchemy; what is skipped is SQLAlchemy's execution machinery around them, which
cost a photo upload three times the statements' own time (docs/performance.md).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class DriverStatement:
    sql: str
    names: tuple[str, ...]
    converters: tuple[Any, ...]
    positional: bool
    row_type: Any  # a namedtuple of the result columns, or None without a result
    readers: tuple[Any, ...]

    @classmethod
    def compile(cls, statement: sa.Executable, dialect: sa.Dialect) -> DriverStatement:
        compiled = statement.compile(dialect=dialect)
        names = tuple(compiled.positiontup) if compiled.positional else tuple(compiled.binds)
        converters = tuple(compiled.binds[name].type._cached_bind_processor(dialect) for name in names)
        columns = compiled._result_columns
        row_type = namedtuple("Row", [column[0] for column in columns]) if columns else None
        readers = tuple(column[3]._cached_result_processor(dialect, None) for column in columns)
        return cls(str(compiled), names, converters, compiled.positional, row_type, readers)

    def first(self, connection: sa.Connection, params: Mapping[str, Any]) -> Any:
        """Run on the connection's DBAPI cursor (in its transaction); the first row or None."""
        values = [params[name] if convert is None or params[name] is None else convert(params[name])
                  for name, convert in zip(self.names, self.converters, strict=True)]
        bound = values if self.positional else dict(zip(self.names, values, strict=True))
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(self.sql, bound)
            raw = cursor.fetchone() if cursor.description else None
        finally:
            cursor.close()
        if raw is None or self.row_type is None:
            return raw
        return self.row_type(*(value if read is None or value is None else read(value)
                               for value, read in zip(raw, self.readers, strict=True)))
