"""Pull records of plain kinds made from the database's text, without ORM or type objects.

A pulled finding used to go text → UUID/datetime/dict objects (SQLAlchemy's result processing)
→ text again (the record dumper): two conversions per field and most of a page's time. Here
PostgreSQL's SELECT returns the wire text itself (a UUID with its dashes, a time with its "T",
milliseconds and "Z"); SQLite's stored text is sliced into it in Python (its 32 hex digits get
their dashes, its times their "T" and "Z": slicing in SQL made SQLite's part of a page 2.3
times longer, 6.0 ms instead of 2.6, and Python does it in under one); the clocks' JSON goes
out as stored (an orjson Fragment). The forms equal `to_record`'s; tests/test_sync_pull.py
checks it field by field on both databases.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from marshmallow import fields

from server.domain.sync.records import MODELS, PLAIN_KINDS, dumper_fields
from shared_schema.fields import UtcDateTime

_TEXT = sa.types.NullType()  # selected as the driver gives it: no result processing
_SIMPLE = (fields.String, fields.Integer, fields.Float)  # the driver's value is the wire value


def _uuid_sql(column: sa.ColumnElement, sqlite: bool) -> sa.ColumnElement:
    # SQLite keeps a UUID as 32 lowercase hex digits, dashed in Python (_dashed).
    return sa.type_coerce(column, _TEXT) if sqlite else sa.cast(column, sa.Text)


def _time_sql(column: sa.ColumnElement, sqlite: bool) -> sa.ColumnElement:
    if sqlite:
        return sa.type_coerce(column, _TEXT)  # "YYYY-MM-DD HH:MM:SS.ffffff", fixed in Python
    # to_char's MS truncates, as isoformat(timespec="milliseconds") does.
    return sa.func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"', type_=_TEXT)


def _dashed(hex_: str) -> str:
    return f"{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


def _sqlite_time(value: str) -> str:
    if len(value) == 26 and value[10] == " ":  # as SQLAlchemy stores it
        return f"{value[:10]}T{value[11:23]}Z"
    return datetime.fromisoformat(value).isoformat(timespec="milliseconds") + "Z"


class _Plan:
    """How the rows of one kind become records on one kind of database."""

    def __init__(self, kind: str, sqlite: bool) -> None:
        table = MODELS[kind].__table__
        self.kind, self.sqlite = kind, sqlite
        columns = [_uuid_sql(table.c.id, sqlite), table.c.server_seq,
                   sa.type_coerce(table.c.deleted_at, _TEXT)]
        self.keys, self.uuids, self.times, self.truths = [], [], [], []
        for key, name, field in dumper_fields(kind):
            column = table.c[name]
            kind_of_field = type(field)
            if kind_of_field is fields.UUID:
                columns.append(_uuid_sql(column, sqlite))
                if sqlite:
                    self.uuids.append(key)
            elif kind_of_field is UtcDateTime:
                columns.append(_time_sql(column, sqlite))
                if sqlite:
                    self.times.append(key)
            elif kind_of_field is fields.Boolean:
                columns.append(sa.type_coerce(column, _TEXT))
                self.truths.append(key)
            elif kind_of_field in _SIMPLE and not getattr(field, "as_string", False):
                columns.append(sa.type_coerce(column, _TEXT))
            else:
                raise LookupError(f"{kind}.{name}: {kind_of_field.__name__} has no direct wire form here")
            self.keys.append(key)
        self.has_clocks = "field_clocks" in table.c
        if self.has_clocks:
            columns.append(sa.cast(table.c.field_clocks, sa.Text) if not sqlite
                           else sa.type_coerce(table.c.field_clocks, _TEXT))
        self.columns = tuple(column.label(f"c{i}") for i, column in enumerate(columns))
        self.width = len(self.keys)

    def record(self, row: Any) -> dict[str, Any]:
        deleted = row[2] is not None
        data = None
        if not deleted:
            data = dict(zip(self.keys, row[3:3 + self.width], strict=True))
            for key in self.uuids:
                if data[key] is not None:
                    data[key] = _dashed(data[key])
            for key in self.times:
                if data[key] is not None:
                    data[key] = _sqlite_time(data[key])
            for key in self.truths:
                if data[key] is not None:
                    data[key] = bool(data[key])
        clocks = row[-1] if self.has_clocks else None
        return {
            "kind": self.kind, "id": _dashed(row[0]) if self.sqlite else row[0], "server_seq": row[1],
            "deleted": deleted, "data": data,
            # to_record sends no clocks rather than an empty object
            "clocks": None if clocks is None or clocks in ("{}", "null") else orjson.Fragment(clocks),
        }


@functools.cache
def wire_plan(kind: str, dialect_name: str) -> _Plan | None:
    """The columns to select (`.columns`) and the maker of records from them (`.record(row)`)
    for a plain kind; None for the others, which go through the ORM and `to_record`."""
    if kind not in PLAIN_KINDS:
        return None
    try:
        return _Plan(kind, dialect_name == "sqlite")
    except LookupError:
        return None
