"""Envelopes of the sync protocol (see docs/sync-protocol.md)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from shared_schema.clock import STAMP
from shared_schema.fields import UtcDateTime
from shared_schema.records import PUSH_ORDER

MAX_PUSH_RECORDS = 500
MAX_PULL_LIMIT = 1000
DEFAULT_PULL_LIMIT = 500


class PushRecordSchema(Schema):
    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(PUSH_ORDER))
    id = fields.UUID(required=True)
    op = fields.String(load_default="upsert", validate=validate.OneOf(("upsert", "delete")))
    # Checked against the record schema of `kind` by the server, record by record, so one bad
    # record is rejected alone instead of failing the batch.
    fields = fields.Dict(keys=fields.String(validate=validate.Length(1, 50)), load_default=dict)
    clocks = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 50)),
        values=fields.String(validate=validate.Regexp(STAMP)),
        load_default=dict,
    )


class PushRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    batch_id = fields.UUID(required=True)
    records = fields.List(
        fields.Dict(), required=True, validate=validate.Length(max=MAX_PUSH_RECORDS)
    )


class PushResultSchema(Schema):
    kind = fields.String()
    id = fields.String()
    status = fields.String(validate=validate.OneOf(("accepted", "conflict", "rejected", "deferred")))
    code = fields.String()
    message = fields.String()
    server_version = fields.Dict(allow_none=True)


class PushResponseSchema(Schema):
    batch_id = fields.UUID()
    replayed = fields.Boolean()
    server_time = UtcDateTime()
    results = fields.List(fields.Nested(PushResultSchema))


class PullQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    cursor = fields.Integer(load_default=0, validate=validate.Range(0, 2**62))
    limit = fields.Integer(load_default=DEFAULT_PULL_LIMIT, validate=validate.Range(1, MAX_PULL_LIMIT))


class ChangeSchema(Schema):
    kind = fields.String()
    id = fields.String()
    server_seq = fields.Integer()
    deleted = fields.Boolean()
    data = fields.Dict(allow_none=True)
    clocks = fields.Dict(allow_none=True)


class PullResponseSchema(Schema):
    cursor = fields.Integer()
    more = fields.Boolean()
    resync_required = fields.Boolean()
    server_time = UtcDateTime()
    changes = fields.List(fields.Nested(ChangeSchema))
