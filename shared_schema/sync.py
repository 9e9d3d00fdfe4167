"""Envelopes of the sync protocol (see docs/sync-protocol.md)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, validate
from marshmallow import fields as f

from shared_schema.clock import STAMP
from shared_schema.fields import UtcDateTime
from shared_schema.records import PUSH_ORDER

MAX_PUSH_RECORDS = 500
MAX_PULL_LIMIT = 1000
DEFAULT_PULL_LIMIT = 500


class PushRecordSchema(Schema):
    class Meta:
        unknown = RAISE

    kind = f.String(required=True, validate=validate.OneOf(PUSH_ORDER))
    id = f.UUID(required=True)
    op = f.String(load_default="upsert", validate=validate.OneOf(("upsert", "delete")))
    # Checked against the record schema of `kind` by the server, record by record, so one bad
    # record is rejected alone instead of failing the batch.
    fields = f.Dict(keys=f.String(validate=validate.Length(1, 50)), load_default=dict)
    clocks = f.Dict(
        keys=f.String(validate=validate.Length(1, 50)),
        values=f.String(validate=validate.Regexp(STAMP)),
        load_default=dict,
    )


class PushRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    batch_id = f.UUID(required=True)
    # Each record is checked on its own (see PushRecordSchema), so one malformed record is
    # rejected alone.
    records = f.List(f.Raw(), required=True, validate=validate.Length(max=MAX_PUSH_RECORDS))


class PushResultSchema(Schema):
    kind = f.String()
    id = f.String()
    status = f.String(validate=validate.OneOf(("accepted", "conflict", "rejected", "deferred")))
    code = f.String()
    message = f.String()
    server_version = f.Dict(allow_none=True)


class PushResponseSchema(Schema):
    batch_id = f.UUID()
    replayed = f.Boolean()
    server_time = UtcDateTime()
    results = f.List(f.Nested(PushResultSchema))


class PullQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    cursor = f.Integer(load_default=0, validate=validate.Range(0, 2**62))
    limit = f.Integer(load_default=DEFAULT_PULL_LIMIT, validate=validate.Range(1, MAX_PULL_LIMIT))


class ChangeSchema(Schema):
    kind = f.String()
    id = f.String()
    server_seq = f.Integer()
    deleted = f.Boolean()
    data = f.Dict(allow_none=True)
    clocks = f.Dict(allow_none=True)


class PullResponseSchema(Schema):
    cursor = f.Integer()
    more = f.Boolean()
    resync_required = f.Boolean()
    server_time = UtcDateTime()
    changes = f.List(f.Nested(ChangeSchema))
