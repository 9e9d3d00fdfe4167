"""The OpenAPI 3 description of /api/v1, built from the shared marshmallow schemas."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from server.api import bp
from shared_schema import SCHEMA_VERSION
from shared_schema.devices import PairRequestSchema, PairResponseSchema
from shared_schema.records import CREATE_ONLY, FREE, PUSH_ORDER, RECORD_SCHEMAS
from shared_schema.sync import (
    MAX_PUSH_RECORDS,
    PullQuerySchema,
    PullResponseSchema,
    PushRecordSchema,
    PushRequestSchema,
    PushResponseSchema,
)

ERROR = {"$ref": "#/components/schemas/Error"}
SCHEMA_HEADER = {"name": "X-Xuncha-Schema", "in": "header", "required": True,
                 "schema": {"type": "string", "example": str(SCHEMA_VERSION)}}


def _json(schema: Any) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "错误 (error)", **_json(ERROR)} for s in statuses}


_DEVICE_ERRORS = (400, 401, 403, 413, 415, 426, 429)

# One entry per route: path → method → operation. tests/test_openapi.py keeps it equal to
# the URL map, so a new endpoint cannot ship undescribed.
OPERATIONS: dict[str, dict[str, dict[str, Any]]] = {
    "/health": {"get": {
        "summary": "服务状态 (liveness)", "security": [],
        "responses": {"200": {"description": "ok"}},
    }},
    "/openapi.json": {"get": {
        "summary": "本接口说明 (this description)", "security": [],
        "responses": {"200": {"description": "OpenAPI 3 document"}},
    }},
    "/devices/pair": {"post": {
        "summary": "绑定平板 (pair a tablet)", "security": [], "parameters": [SCHEMA_HEADER],
        "requestBody": {"required": True, **_json(PairRequestSchema)},
        "responses": {"201": {"description": "paired", **_json(PairResponseSchema)},
                      **_errors(400, 401, 413, 415, 426, 429)},
    }},
    "/sync/push": {"post": {
        "summary": "推送平板记录 (push a batch)", "parameters": [SCHEMA_HEADER],
        "requestBody": {"required": True, **_json(PushRequestSchema)},
        "responses": {"200": {"description": "per-record results", **_json(PushResponseSchema)},
                      **_errors(409, *_DEVICE_ERRORS)},
    }},
    "/sync/pull": {"get": {
        "summary": "拉取变更 (pull changes after a cursor)",
        "parameters": [SCHEMA_HEADER, {"in": "query", "schema": PullQuerySchema}],
        "responses": {"200": {"description": "a page of changes", **_json(PullResponseSchema)},
                      **_errors(*_DEVICE_ERRORS)},
    }},
    "/sync/bootstrap": {"get": {
        "summary": "首次同步 (bootstrap stream, NDJSON)", "parameters": [SCHEMA_HEADER],
        "responses": {"200": {"description": "header line, records, end line",
                              "content": {"application/x-ndjson": {"schema": {"type": "string"}}}},
                      **_errors(*_DEVICE_ERRORS)},
    }},
}


def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title="巡查 Xuncha sync API", version=f"schema-{SCHEMA_VERSION}", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "平板同步接口 — see docs/sync-protocol.md"},
        servers=[{"url": "/api/v1"}],
    )
    spec.components.schema("Error", {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "details": {"type": "object"}}}},
    })
    spec.components.security_scheme("device", {"type": "http", "scheme": "bearer"})
    spec.options["security"] = [{"device": []}]
    for path, operations in OPERATIONS.items():
        spec.path(path=path, operations=operations)
    for schema in RECORD_SCHEMAS.values():
        spec.components.schema(schema.__name__, schema=schema)
    spec.components.schema("PushRecord", schema=PushRecordSchema)
    document = spec.to_dict()
    document["security"] = [{"device": []}]
    _describe_records(document["components"]["schemas"])
    return document


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _describe_records(schemas: dict[str, Any]) -> None:
    """Record shapes instead of `items: {}`: the envelopes carry the record schemas, and each
    field says who may write it (docs/sync-protocol.md, "Field roles")."""
    for kind, schema in RECORD_SCHEMAS.items():
        component = schemas[schema.__name__]
        component["x-kind"] = kind
        pushable = kind in PUSH_ORDER
        if pushable:
            component["x-create-only"] = sorted(CREATE_ONLY[kind])
            component["x-free"] = sorted(FREE[kind])
        for name, prop in component.get("properties", {}).items():
            if not pushable:
                role = "服务器维护，只拉取 (server-owned, pull only)"
            elif name in CREATE_ONLY[kind]:
                role = "仅创建时写入 (create-only: set when the tablet creates the record)"
            elif name in FREE[kind]:
                role = "可离线修改，按时钟戳合并 (free: merged by its clock stamp)"
            else:
                role = "服务器维护，推送即拒绝 (server-owned: a push is refused read_only_field)"
            prop["description"] = role
    schemas["PushRecord"]["properties"]["fields"] = {
        "description": "the record's fields, checked against the schema of `kind` (partial: only the "
                       "fields being written)",
        "anyOf": [_ref(RECORD_SCHEMAS[kind].__name__) for kind in PUSH_ORDER],
    }
    schemas["PushRequest"]["properties"]["records"]["items"] = _ref("PushRecord")
    schemas["PushRequest"]["properties"]["records"]["maxItems"] = MAX_PUSH_RECORDS
    schemas["Change"]["properties"]["data"] = {
        "nullable": True, "description": "null for a tombstone (`deleted: true`)",
        "anyOf": [_ref(schema.__name__) for schema in RECORD_SCHEMAS.values()],
    }


_cached: dict[str, Any] = {}


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 description of this API."""
    if not _cached:
        _cached.update(build_spec())
    return jsonify(_cached)
