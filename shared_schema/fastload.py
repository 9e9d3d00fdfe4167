"""Schemas compiled once into plain checks, for loads made thousands of times a second.

A push carries up to 500 records and each is checked against two schemas. `Schema.load` spends
most of its time in per-call machinery (error stores, hooks, unknown-field handling), not in
the rules. A compiled loader runs the schema's own field and validator objects on the common,
valid input and hands anything else — a wrong type, an unknown or missing field, any error —
to `Schema.load`, which then answers with its usual messages. The rules stay in the schema.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from marshmallow.utils import missing


class Unsure(Exception):
    """The fast path does not decide this input; Schema.load will."""


Check = Callable[[Any], Any]


def _predicate(validator: Callable) -> Callable[[Any], bool]:
    """The common validators as plain tests (False: let Schema.load word the error)."""
    if isinstance(validator, validate.Length) and validator.equal is None:
        low, high = validator.min, validator.max
        return lambda value: (low is None or len(value) >= low) and (high is None or len(value) <= high)
    if isinstance(validator, validate.OneOf):
        try:
            choices = frozenset(validator.choices)
        except TypeError:
            choices = None
        if choices is not None:
            return lambda value: value in choices
    if isinstance(validator, validate.Regexp):
        match = validator.regex.match
        return lambda value: match(value) is not None

    def calls(value: Any) -> bool:
        validator(value)
        return True

    return calls


def _validated(field: fields.Field, convert: Check, typed: bool = True) -> Check:
    """`typed`: `convert` refuses None itself (it tests the value's type)."""
    tests = tuple(_predicate(v) for v in field.validators)
    allow_none = field.allow_none
    if not tests and typed:  # most fields: the conversion alone
        if not allow_none:
            return convert
        return lambda value: None if value is None else convert(value)

    def check(value: Any) -> Any:
        if value is None:
            if allow_none:
                return None
            raise Unsure
        value = convert(value)
        for test in tests:
            if not test(value):
                raise Unsure
        return value

    return check


def _string(value: Any) -> str:
    if type(value) is not str:
        raise Unsure
    return value


def _uuid(value: Any) -> uuid.UUID:
    if type(value) is not str:
        raise Unsure
    return uuid.UUID(value)


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise Unsure
    return value


def _float(allow_nan: bool | None) -> Check:
    def convert(value: Any) -> float:
        if type(value) not in (int, float):
            raise Unsure
        number = float(value)
        if allow_nan is False and (math.isnan(number) or math.isinf(number)):
            raise Unsure
        return number

    return convert


def _text_check(field: fields.String) -> Check | None:
    """A String with one common validator, as one function: type test and rule together (the
    push checks ~20 such values per record)."""
    if len(field.validators) != 1 or field.allow_none:
        return None
    validator = field.validators[0]
    if isinstance(validator, validate.Length) and validator.equal is None:
        low, high = validator.min or 0, validator.max if validator.max is not None else math.inf

        def sized(value: Any) -> str:
            if type(value) is str and low <= len(value) <= high:
                return value
            raise Unsure

        return sized
    if isinstance(validator, validate.Regexp):
        match = validator.regex.match

        def matching(value: Any) -> str:
            if type(value) is str and match(value) is not None:
                return value
            raise Unsure

        return matching
    return None


def compile_field(name: str, field: fields.Field) -> Check:
    """One field's load as a function: the loaded value, or an exception (Unsure, or the
    field's own error) for any input it does not decide."""
    kind = type(field)
    if kind is fields.String:
        return _text_check(field) or _validated(field, _string)
    if kind is fields.UUID:
        return _validated(field, _uuid)
    if kind is fields.Integer:
        return _validated(field, _integer)
    if kind is fields.Float:
        return _validated(field, _float(field.allow_nan))
    if kind is fields.Dict and field.key_field is not None:
        keys = compile_field(name, field.key_field)
        values = compile_field(name, field.value_field) if field.value_field is not None else None

        def mapping(value: Any) -> dict:
            if type(value) is not dict:
                raise Unsure
            if values is None:
                return {keys(k): v for k, v in value.items()}
            return {keys(k): values(v) for k, v in value.items()}

        return _validated(field, mapping)
    if kind is fields.List:
        inner = compile_field(name, field.inner)

        def sequence(value: Any) -> list:
            if type(value) is not list:
                raise Unsure
            return [inner(item) for item in value]

        return _validated(field, sequence)

    # Any other field (UtcDateTime, Sha256, Decimal…): its own conversion and validators, as
    # Field.deserialize runs them once it has dealt with missing and null values.
    def own(value: Any) -> Any:
        return field._deserialize(value, name, None)

    return _validated(field, own, typed=False)


class CompiledSchema:
    """`load(data)` equal to `schema.load(data, partial=partial)` for every input, faster on valid ones."""

    def __init__(self, schema: Schema, partial: bool = False) -> None:
        self.schema, self.partial = schema, partial
        load_fields = schema.load_fields
        simple = (
            schema.unknown == RAISE
            and not any(schema._hooks.values())
            and all(f.data_key is None and f.attribute is None for f in load_fields.values())
        )
        self._checks = {name: compile_field(name, f) for name, f in load_fields.items()} if simple else None
        self._required = () if partial else tuple(n for n, f in load_fields.items() if f.required)
        self._defaults = () if partial else tuple(
            (n, f.load_default) for n, f in load_fields.items() if f.load_default is not missing)

    def load(self, data: Any) -> dict[str, Any]:
        checks = self._checks
        if checks is None or type(data) is not dict:
            return self.schema.load(data, partial=self.partial)
        try:
            out = {}
            for key, value in data.items():
                check = checks.get(key)
                if check is None:
                    raise Unsure
                out[key] = check(value)
            for name in self._required:
                if name not in out:
                    raise Unsure
            for name, default in self._defaults:
                if name not in out:
                    out[name] = default() if callable(default) else default
            return out
        except (Unsure, ValidationError, ValueError, TypeError, OverflowError, AttributeError):
            return self.schema.load(data, partial=self.partial)


def _dump_field(name: str, field: fields.Field) -> Callable[[Any], Any]:
    attribute = field.attribute or name
    kind = type(field)
    if "." in attribute:
        return lambda obj: field.serialize(name, obj)
    if kind is fields.String:
        def text(obj: Any) -> Any:
            value = getattr(obj, attribute)
            return value if value is None or isinstance(value, str) else str(value)
        return text
    if kind is fields.UUID:
        def identifier(obj: Any) -> Any:
            value = getattr(obj, attribute)
            return None if value is None else str(value)
        return identifier
    if kind is fields.Integer and not field.as_string:
        def integer(obj: Any) -> Any:
            value = getattr(obj, attribute)
            return None if value is None else int(value)
        return integer
    if kind is fields.Float and not field.as_string:
        def number(obj: Any) -> Any:
            value = getattr(obj, attribute)
            return None if value is None else float(value)
        return number

    # Any other field: its own conversion, as Field.serialize calls it once it has the value.
    def own(obj: Any) -> Any:
        return field._serialize(getattr(obj, attribute), attribute, obj)

    return own


class CompiledDump:
    """`dump(obj)` equal to `schema.dump(obj)` for objects that have every field's attribute."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        simple = not any(schema._hooks.values())
        self._getters = tuple(
            (f.data_key or name, _dump_field(name, f)) for name, f in schema.dump_fields.items()
        ) if simple else None

    def dump(self, obj: Any) -> dict[str, Any]:
        if self._getters is None:
            return self.schema.dump(obj)
        return {key: get(obj) for key, get in self._getters}
