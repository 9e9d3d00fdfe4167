"""Compiled schemas load and dump exactly what the marshmallow schemas do, on any input."""

from __future__ import annotations

import uuid
from datetime import datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from shared_schema.fastload import CompiledDump, CompiledSchema
from shared_schema.records import PUSH_ORDER, RECORD_SCHEMAS
from shared_schema.sync import PushRecordSchema, PushRequestSchema

STAMP = "1764060000123-0000-3f2a9c1d"
GOOD_FINDING = {"estate_id": str(uuid.uuid4()), "category": "飞线充电", "severity": "major",
                "location": "5栋1单元", "description": "电动车在楼道充电", "found_at": "2026-03-01T08:30:00Z"}


def outcome(load, data):
    try:
        return "ok", load(data)
    except ValidationError as exc:
        return "error", exc.messages


def same_as_marshmallow(schema, data, partial=False):
    compiled = CompiledSchema(schema, partial=partial)
    assert outcome(compiled.load, data) == outcome(lambda d: schema.load(d, partial=partial), data)


@pytest.mark.parametrize("record", [
    {"kind": "finding", "id": str(uuid.uuid4()), "fields": GOOD_FINDING, "clocks": {"category": STAMP}},
    {"kind": "finding", "id": str(uuid.uuid4())},  # op, fields and clocks take their defaults
    {"kind": "finding", "id": str(uuid.uuid4()), "op": "remove"},
    {"kind": "finding", "id": "not-a-uuid"},
    {"kind": "nothing", "id": str(uuid.uuid4())},
    {"kind": "finding", "id": str(uuid.uuid4()), "clocks": {"category": "yesterday"}},
    {"kind": "finding", "id": str(uuid.uuid4()), "fields": {"": 1}},
    {"kind": "finding", "id": str(uuid.uuid4()), "extra": True},
    {"id": str(uuid.uuid4())},
    {"kind": None, "id": str(uuid.uuid4())},
])
def test_a_push_envelope_loads_as_marshmallow_loads_it(record):
    same_as_marshmallow(PushRecordSchema(), record)


@pytest.mark.parametrize("fields", [
    GOOD_FINDING,
    {**GOOD_FINDING, "severity": "tiny"},
    {**GOOD_FINDING, "category": ""},
    {**GOOD_FINDING, "category": "x" * 51},
    {**GOOD_FINDING, "found_at": "1999-01-01T00:00:00Z"},
    {**GOOD_FINDING, "found_at": "2026-03-01T16:30:00+08:00"},
    {**GOOD_FINDING, "found_at": 12},
    {**GOOD_FINDING, "estate_id": b"0123456789abcdef"},
    {**GOOD_FINDING, "location": None},
    {**GOOD_FINDING, "inspection_id": None},
    {**GOOD_FINDING, "status": "closed"},
    {**GOOD_FINDING, "colour": "red"},
])
def test_finding_fields_load_as_marshmallow_loads_them(fields):
    same_as_marshmallow(RECORD_SCHEMAS["finding"](), fields, partial=True)


def test_photo_link_coordinates_and_hash_load_as_marshmallow_loads_them():
    schema = RECORD_SCHEMAS["photo_link"]()
    for fields in ({"photo_sha256": "a" * 64, "latitude": 31.3, "longitude": 120},
                   {"photo_sha256": "A" * 64}, {"latitude": float("nan")}, {"latitude": 91},
                   {"longitude": True}, {"caption": "x" * 201}):
        same_as_marshmallow(schema, fields, partial=True)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60)
    | st.sampled_from(["2026-03-01T08:30:00Z", str(uuid.uuid4()), STAMP, "a" * 64, "major", "pass"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(PUSH_ORDER),
       data=st.dictionaries(st.sampled_from(["estate_id", "category", "result", "inspector_ids", "latitude",
                                             "found_at", "note", "photo_sha256", "action", "bogus"]),
                            json_values, max_size=5))
def test_any_record_fields_load_as_marshmallow_loads_them(kind, data):
    same_as_marshmallow(RECORD_SCHEMAS[kind](), data, partial=True)


@settings(max_examples=100, deadline=None)
@given(data=st.dictionaries(st.sampled_from(["kind", "id", "op", "fields", "clocks", "x"]), json_values,
                            max_size=5))
def test_any_envelope_loads_as_marshmallow_loads_it(data):
    same_as_marshmallow(PushRecordSchema(), data)


def test_a_push_request_keeps_its_records_as_sent():
    records = [{"kind": "finding"}, 3, None]
    same_as_marshmallow(PushRequestSchema(), {"batch_id": str(uuid.uuid4()), "records": records[:2]})
    same_as_marshmallow(PushRequestSchema(), {"batch_id": str(uuid.uuid4()), "records": records})


def test_a_compiled_dump_equals_schema_dump():
    row = SimpleNamespace(
        region_code="320501001001", estate_id=uuid.uuid4(), inspection_id=None, item_id=None,
        category="楼道堆放杂物", severity="major", location="1栋", description="纸箱",
        found_at=datetime(2026, 3, 1, 8, 30), due_at=None, status="open", closed_at=None, notice_id=None)
    schema = RECORD_SCHEMAS["finding"]()
    assert CompiledDump(schema).dump(row) == schema.dump(row)
    estate = SimpleNamespace(region_id=uuid.uuid4(), region_code="3205", company_id=None, name="阳光花园",
                             address="", management_type="professional", households=12, buildings=3.0,
                             latitude=31, longitude=None)
    schema = RECORD_SCHEMAS["estate"]()
    assert CompiledDump(schema).dump(estate) == schema.dump(estate)
