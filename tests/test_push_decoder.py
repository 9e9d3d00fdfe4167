"""msgspec's decoding of a push body gives what the schemas give, or declines: never more."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import fields, validate

from shared_schema.push_decoder import decode_push
from shared_schema.records import PUSH_ORDER, RECORD_SCHEMAS
from shared_schema.sync import PushRecordSchema, PushRequestSchema

STAMP = "1764060000123-0000-3f2a9c1d"
ID = "5b0c8f0e-3c55-4d7e-9a43-6f1d2c3b4a59"
BATCH_ID = "0d6f3c2e-7b1a-4e58-9c0d-2a4b6e8f1c3d"


def schema_load(body: bytes):
    """The body loaded as the push view loads a body msgspec declines; "refused" for any error."""
    try:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            data = json.loads(body)
        request = PushRequestSchema().load(data)
        for index, raw in enumerate(request["records"]):
            record = PushRecordSchema().load(raw)
            record["fields"] = RECORD_SCHEMAS[record["kind"]]().load(record["fields"], partial=True)
            request["records"][index] = record
        return request
    except Exception:
        return "refused"


def typed(value):
    """A value with the type of every part in it, dicts without their order."""
    if isinstance(value, dict):
        return ("dict", sorted((key, typed(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    return (type(value).__name__, repr(value))


def same_or_declined(body: bytes) -> bool:
    """Asserts decode_push agrees with the schemas; True when it decoded (did not decline)."""
    fast = decode_push(body)
    if fast is None:
        return False
    assert typed(fast) == typed(schema_load(body))
    return True


def body(records, **extra) -> bytes:
    # One batch id, not a random one: bodies name the parametrized tests, and every pytest-xdist
    # worker must collect the same names.
    return json.dumps({"batch_id": BATCH_ID, "records": records, **extra},
                      ensure_ascii=False).encode()


EVERY_KIND = [
    {"kind": "inspection", "id": ID, "fields": {
        "estate_id": ID, "template_id": None, "kind": "routine", "inspector_ids": [ID], "status": "finished",
        "started_at": "2026-03-01T08:30:00.000Z", "finished_at": "2026-03-01T10:00:00+08:00", "note": "",
        "planned_for": None}, "clocks": {"status": STAMP, "started_at": STAMP, "finished_at": STAMP,
                                          "note": STAMP, "planned_for": STAMP}},
    {"kind": "answer", "id": ID, "fields": {"inspection_id": ID, "item_id": ID, "result": "fail",
                                            "note": "消防通道堵塞", "answered_at": "2026-03-01T08:31:00Z"},
     "clocks": {"result": STAMP, "note": STAMP, "answered_at": STAMP}},
    {"kind": "finding", "id": ID, "op": "upsert", "fields": {
        "estate_id": ID, "inspection_id": ID, "item_id": None, "category": "飞线充电", "severity": "major",
        "location": "5栋1单元", "description": "楼道内私拉电线" * 40, "found_at": "2026-03-01T08:30:00Z",
        "due_at": "2026-03-08T08:30:00Z"}, "clocks": {n: STAMP for n in ("category", "severity", "location",
                                                                          "description")}},
    {"kind": "finding", "id": ID, "op": "delete"},
    {"kind": "rectification", "id": ID, "fields": {"finding_id": ID, "note": "已整改",
                                                   "reported_at": "2026-03-02T09:00:00Z"},
     "clocks": {"note": STAMP}},
    {"kind": "photo_link", "id": ID, "fields": {
        "photo_sha256": "ab" * 32, "role": "evidence", "finding_id": ID, "caption": "",
        "taken_at": "2026-03-01T08:30:00Z", "latitude": 31.3, "longitude": 120},
     "clocks": {"caption": STAMP}},
    {"kind": "revisit", "id": ID, "fields": {"result": "fixed", "done_at": "2026-03-09T08:30:00Z",
                                             "note": "合格"},
     "clocks": {"result": STAMP, "done_at": STAMP, "note": STAMP}},
    {"kind": "finding_action", "id": ID, "fields": {"finding_id": ID, "action": "close_on_site",
                                                    "at": "2026-03-01T08:40:00Z"}},
]


def test_a_batch_of_every_kind_is_decoded_as_the_schemas_load_it():
    assert same_or_declined(body(EVERY_KIND))
    assert same_or_declined(body([]))


@pytest.mark.parametrize("sent", [ID.upper(), ID.replace("-", "")])
def test_an_id_in_another_form_than_a_uuid_prints_is_left_to_the_schemas(sent):
    """A record refused before it is loaded answers with its id as sent, which only the
    schemas' path still has."""
    assert decode_push(body([{**EVERY_KIND[2], "id": sent}])) is None


@pytest.mark.parametrize("raw", [
    body([{**EVERY_KIND[2], "fields": {**EVERY_KIND[2]["fields"], "severity": "tiny"}}]),
    body([{**EVERY_KIND[2], "fields": {**EVERY_KIND[2]["fields"], "status": "closed"}}]),  # push.py refuses
    body([{**EVERY_KIND[2], "fields": {"category": ""}}]),
    body([{**EVERY_KIND[2], "fields": {"found_at": "1999-01-01T00:00:00Z"}}]),
    body([{**EVERY_KIND[2], "clocks": {"category": STAMP + "\n"}}]),  # re.match's "$" takes a final newline
    body([{**EVERY_KIND[2], "clocks": {"": STAMP}}]),
    body([{**EVERY_KIND[5], "fields": {"photo_sha256": "AB" * 32}}]),
    body([{**EVERY_KIND[5], "fields": {"latitude": 91}}]),
    body([{"kind": "inspection", "id": ID, "fields": {"max_score": -(2**63) - 1}}]),  # a float to orjson
    body([{"kind": "inspection", "id": ID, "fields": {"max_score": 2**64}}]),
    body([{"kind": "region", "id": ID}]),
    body([{"id": ID}]),
    body(["garbage"]),
    body([EVERY_KIND[2]] * 501),
    body([], extra=1),
    json.dumps({"records": []}).encode(),
    b'{"batch_id": "%s", "records": [{"kind": "finding", "id": "%s", "fields": {"latitude": NaN}}]}' % (
        ID.encode(), ID.encode()),
    b'{"batch_id": "%s", "batch_id": "nope", "records": []}' % ID.encode(),
    b'{"batch_id": "nope", "batch_id": "%s", "records": []}' % ID.encode(),
    b'{"batch_id": "%s", "records": [{"kind": "finding", "id": "%s", "fields": {"note": "\\ud800"}}]}' % (
        ID.encode(), ID.encode()),
    b'{"batch_id": "%s", "records": []} trailing' % ID.encode(),
    b'\xff\xfe',
    b"[]",
    b"",
])
def test_bodies_the_schemas_refuse_or_may_read_differently_are_declined_or_equal(raw):
    same_or_declined(raw)
    if schema_load(raw) == "refused":
        assert decode_push(raw) is None


def _values_for(field: fields.Field):
    """Values near what the field takes, and a few it does not."""
    if isinstance(field, fields.List):
        return st.lists(_values_for(field.inner), max_size=3)
    if isinstance(field, fields.UUID):
        return st.sampled_from([ID, ID.upper(), ID.replace("-", ""), "{" + ID + "}", "urn:uuid:" + ID,
                                ID[:-1]])
    if isinstance(field, fields.DateTime):
        return st.sampled_from(["2026-03-01T08:30:00Z", "2026-03-01T08:30:00.123456+08:00", "2026-03-01",
                                "2026-03-01 08:30", "1999-12-31T23:59:59Z", "2026-13-01T00:00:00Z"])
    if isinstance(field, fields.Decimal):
        return st.sampled_from(["1.5", 1.5, "x", Decimal("2")]).map(str) | st.integers()
    if isinstance(field, fields.Float):
        return st.floats() | st.integers(-200, 200)
    if isinstance(field, fields.Integer):
        return st.integers() | st.floats()
    choices = [v.choices for v in field.validators if isinstance(v, validate.OneOf)]
    if choices:
        return st.sampled_from(list(choices[0]))
    return st.text(max_size=60) | st.sampled_from(["a" * 64, "x" * 201, "x" * 2001, ""])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def records(draw):
    kind = draw(st.sampled_from(PUSH_ORDER))
    schema = RECORD_SCHEMAS[kind]()
    names = sorted(schema.load_fields)
    chosen = draw(st.lists(st.sampled_from([*names, "bogus"]), max_size=6, unique=True))
    record_fields = {name: draw(_values_for(schema.load_fields[name]) | json_values) if name in names
                     else draw(json_values) for name in chosen}
    stamps = st.sampled_from([STAMP, STAMP + "\n", "yesterday", 12])
    record = {"kind": draw(st.sampled_from([kind, kind, kind, "nothing", None])),
              "id": draw(_values_for(fields.UUID())), "fields": record_fields,
              "clocks": draw(st.dictionaries(st.sampled_from([*names, "", "x" * 51]), stamps, max_size=4))}
    changes = st.lists(st.sampled_from(["op", "fields", "clocks", "extra"]), max_size=2, unique=True)
    for optional in draw(changes):
        if optional == "op":
            record["op"] = draw(st.sampled_from(["upsert", "delete", "remove"]))
        elif optional == "extra":
            record["extra"] = True
        else:
            del record[optional]
    return record


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(records(), max_size=4), as_ascii=st.booleans())
def test_any_push_body_decodes_as_the_schemas_load_it_or_is_declined(batch, as_ascii):
    raw = json.dumps({"batch_id": str(uuid.uuid4()), "records": batch}, ensure_ascii=as_ascii).encode()
    same_or_declined(raw)


@settings(max_examples=100, deadline=None)
@given(kind=st.sampled_from(PUSH_ORDER), data=st.data())
def test_well_formed_records_of_any_kind_take_the_fast_path(kind, data):
    """Valid values of every field, as a tablet sends them: decoded, not declined."""
    schema = RECORD_SCHEMAS[kind]()
    valid = {}
    for name, field in schema.load_fields.items():
        value = data.draw(_values_for(field), label=name)
        try:
            schema.load({name: value}, partial=True)
        except Exception:
            continue
        valid[name] = value
    raw = body([{"kind": kind, "id": ID, "fields": valid, "clocks": {name: STAMP for name in valid}}])
    decoded = same_or_declined(raw)
    # msgspec reads a UUID in its 36- and 32-character forms only, not "{…}" or "urn:uuid:…".
    if "{" not in raw.decode() and "urn:" not in raw.decode():
        assert decoded, valid
