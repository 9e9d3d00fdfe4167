"""A whole push body decoded and checked in one pass by msgspec, with types made from the schemas.

Server only: the tablet does not push through this module, and its build carries no msgspec.

`decode_push(body)` gives the batch id and every record loaded as the schemas load them —
PushRequestSchema, then PushRecordSchema, then the record schema of the record's kind
(partial) for its `fields` — or None for a body it is not sure of: bad JSON, a record of a
wrong shape, a value outside a rule. The caller then loads that body with the schemas
themselves, record by record, so every error keeps the wording and the per-record result it
has always had. msgspec is only ever stricter than the schemas, never looser
(tests/test_push_decoder.py checks this with hypothesis).

The rules are not written again here: each marshmallow field and validator is translated into
a msgspec type and constraint. A field or validator with no exact msgspec equivalent (our own
field types such as UtcDateTime or Sha256, Decimal, several validators on one field) is
decoded as any JSON value and checked afterwards by fastload's compiled check, which runs the
schema's own field object.
"""

from __future__ import annotations

import functools
import operator
import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from marshmallow.utils import missing

from shared_schema.fastload import Unsure, compile_field
from shared_schema.records import PUSH_ORDER, RECORD_SCHEMAS
from shared_schema.sync import PushRecordSchema, PushRequestSchema

_LATER = object()  # "no msgspec type: check after decoding"
# orjson, which reads whatever msgspec declines, reads an integer outside these bounds as a
# float; msgspec keeps it exact. Such a body is declined, so that it is read one way only.
_ORJSON_INTS = msgspec.Meta(ge=-(2**63), le=2**64 - 1)
# A record refused before it is loaded echoes its id as sent, so a record's id is taken only in
# the form its UUID prints as (what tablets send), and made a UUID by the envelope's own field.
_SENT_ID = Annotated[str, msgspec.Meta(pattern=r"\A[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}\Z")]
_RECORD_ID = compile_field("id", PushRecordSchema().fields["id"])
_NOT_SURE = (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError, Unsure, ValidationError,
             ValueError, TypeError, OverflowError, AttributeError)


def _meta(validator: validate.Validator) -> dict[str, Any] | None:
    """msgspec constraints equal to one validator, or None when there are none."""
    if isinstance(validator, validate.Length) and validator.equal is None:
        return {k: v for k, v in (("min_length", validator.min), ("max_length", validator.max))
                if v is not None}
    if isinstance(validator, validate.Range):
        bounds = {}
        if validator.min is not None:
            bounds["ge" if validator.min_inclusive else "gt"] = validator.min
        if validator.max is not None:
            bounds["le" if validator.max_inclusive else "lt"] = validator.max
        return bounds
    if isinstance(validator, validate.Regexp) and validator.regex.flags == re.UNICODE:
        # marshmallow matches at the start (re.match); msgspec searches: anchor the pattern.
        return {"pattern": rf"\A(?:{validator.regex.pattern})"}
    return None


def _annotation(field: fields.Field) -> Any:
    """The msgspec type of one field, or _LATER."""
    kind = type(field)
    validators = list(field.validators)
    if kind is fields.String and len(validators) == 1 and isinstance(validators[0], validate.OneOf):
        choices = tuple(validators[0].choices)
        if not all(type(choice) is str for choice in choices):
            return _LATER
        base, validators = Literal[choices], []
    elif kind is fields.String:
        base = str
    elif kind is fields.UUID:
        base = uuid.UUID
    elif kind is fields.Integer:
        if validators:
            return _LATER
        base = Annotated[int, _ORJSON_INTS]  # JSON integers only; the schema also takes "12" and 12.0
    elif kind is fields.Float:
        base = float  # JSON as msgspec reads it holds no NaN or infinity
    elif kind is fields.List:
        inner = _annotation(field.inner)
        if inner is _LATER:
            return _LATER
        base = list[inner]
    elif kind is fields.Dict:
        keys = str if field.key_field is None else _annotation(field.key_field)
        values = Any if field.value_field is None else _annotation(field.value_field)
        if keys is _LATER or values is _LATER:
            return _LATER
        base = dict[keys, values]
    elif kind is fields.Raw:
        return Any
    else:
        return _LATER
    if len(validators) > 1:
        return _LATER
    if validators:
        constraints = _meta(validators[0])
        if constraints is None:
            return _LATER
        if constraints:
            base = Annotated[base, msgspec.Meta(**constraints)]
    return base | None if field.allow_none else base


def _narrow_ints(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`check`, for a value with no integer that orjson would read as a float."""
    low, high = _ORJSON_INTS.ge, _ORJSON_INTS.le

    def wide(value: Any) -> bool:
        if type(value) is int:
            return not low <= value <= high
        if type(value) is list:
            return any(wide(item) for item in value)
        if type(value) is dict:
            return any(wide(item) for item in value.values())
        return False

    def narrow(value: Any) -> Any:
        if wide(value):
            raise Unsure
        return check(value)

    return narrow


def _simple(schema: Schema) -> bool:
    """A schema with no hooks, no renamed fields and unknown fields refused."""
    return (schema.unknown == RAISE and not any(schema._hooks.values())
            and all(f.data_key is None and f.attribute is None for f in schema.load_fields.values()))


def _struct(name: str, schema: Schema, partial: bool, typed: dict[str, Any] | None = None,
            skip: tuple[str, ...] = (), **options: Any) -> tuple[type[msgspec.Struct], dict[str, Callable]]:
    """A Struct loading as `schema.load(partial=partial)`, and the checks left for after decoding.

    `typed`: {field name: type} for fields whose type is set by the caller (a nested record).
    """
    if not _simple(schema):
        raise TypeError(f"{name}: a schema with hooks or renamed fields has no msgspec twin")
    required, optional, later = [], [], {}
    for key, field in schema.load_fields.items():
        if key in skip:
            continue
        annotation = (typed or {}).get(key) or _annotation(field)
        if annotation is _LATER:
            annotation, later[key] = Any, _narrow_ints(compile_field(key, field))
        if not partial and field.required:
            required.append((key, annotation))
        elif partial or field.load_default is missing:
            optional.append((key, annotation | msgspec.UnsetType, msgspec.UNSET))
        elif callable(field.load_default):
            optional.append((key, annotation, msgspec.field(default_factory=field.load_default)))
        else:
            optional.append((key, annotation, field.load_default))
    struct = msgspec.defstruct(name, required + optional, forbid_unknown_fields=True, **options)
    return struct, later


def _record_types() -> tuple[Any, dict[str, dict[str, Callable]]]:
    """The union of one envelope type per kind, tagged by `kind`, with that kind's fields type."""
    envelope = PushRecordSchema()
    kind_field = envelope.fields["kind"]
    (kinds_rule,) = kind_field.validators
    assert tuple(kinds_rule.choices) == PUSH_ORDER and kind_field.required
    key_check = compile_field("fields", envelope.fields["fields"].key_field)
    members, later = [], {}
    for kind in PUSH_ORDER:
        schema = RECORD_SCHEMAS[kind]()
        for name in schema.load_fields:  # the envelope's rule for field names holds for these
            key_check(name)
        fields_type, later[kind] = _struct(f"{kind}_fields", schema, partial=True)
        # A missing `fields` takes the envelope's default ({}), which loads as {} for every kind.
        member, left = _struct(f"{kind}_record", envelope, partial=False,
                               typed={"fields": fields_type, "id": _SENT_ID}, skip=("kind",),
                               tag=kind, tag_field="kind")
        assert not left
        members.append(member)
    return functools.reduce(operator.or_, members), later


def _body_type(record_type: Any) -> type[msgspec.Struct]:
    request = PushRequestSchema()
    records = request.fields["records"]
    assert type(records) is fields.List and type(records.inner) is fields.Raw
    annotation = list[record_type]
    if records.validators:
        (length,) = records.validators
        annotation = Annotated[annotation, msgspec.Meta(**_meta(length))]
    body, later = _struct("push_body", request, partial=False, typed={"records": annotation})
    assert not later
    return body


_RECORD, _LATER_CHECKS = _record_types()
_DECODER = msgspec.json.Decoder(_body_type(_RECORD))


def decode_push(body: bytes) -> dict[str, Any] | None:
    """{"batch_id", "records"}, each record loaded as the schemas would load it; or None: load
    the body with the schemas."""
    try:
        decoded = _DECODER.decode(body)
        records = msgspec.to_builtins(decoded.records, builtin_types=(uuid.UUID,))
        for record in records:
            record["id"] = _RECORD_ID(record["id"])
            checks = _LATER_CHECKS[record["kind"]]
            if checks:
                loaded = record["fields"]
                for name in checks.keys() & loaded.keys():
                    loaded[name] = checks[name](loaded[name])
    except _NOT_SURE:
        return None
    return {"batch_id": decoded.batch_id, "records": records}
