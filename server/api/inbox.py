"""The inspector's reminders for the tablet (提醒): the same in-app inbox the web shows, read after
each sync, and marking read. Only the device user's own reminders; the rules are the domain's."""

from __future__ import annotations

import uuid

from flask import g, jsonify, request

from server.api import bp
from server.api.auth import require_device
from server.api.errors import ApiError
from server.api.openapi import OPERATIONS
from server.domain.models.base import utcnow
from server.domain.rectification import mark_reminders_read
from server.domain.rectification.reminders import KIND_LABELS, inbox_query, unread_count
from server.extensions import db

LIMIT = 100

# This module's entries of the OpenAPI description (server.api.openapi.OPERATIONS).
_SCHEMA = {"name": "X-Xuncha-Schema", "in": "header", "required": True, "schema": {"type": "string"}}
_ERROR = {"description": "错误 (error)",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_DEVICE_ERRORS = {str(code): _ERROR for code in (400, 401, 403, 426, 429)}
_MOMENT = {"type": "string", "format": "date-time", "nullable": True}  # OpenAPI 3.0
_REMINDER = {"type": "object", "properties": {
    "id": {"type": "string", "format": "uuid"}, "kind": {"type": "string"},
    "kind_label": {"type": "string"}, "subject": {"type": "string"}, "body": {"type": "string"},
    "sent_at": _MOMENT, "read_at": _MOMENT, "finding_id": {"type": "string", "format": "uuid"},
    "revisit_id": {"type": "string", "format": "uuid", "nullable": True}}}
OPENAPI_OPERATIONS = {
    "/inbox": {"get": {
        "summary": "设备用户的提醒 (the device user's newest 100 reminders and the unread count)",
        "parameters": [_SCHEMA],
        "responses": {"200": {"description": "reminders, newest first", "content": {"application/json": {
            "schema": {"type": "object", "properties": {
                "unread": {"type": "integer"}, "reminders": {"type": "array", "items": _REMINDER}}}}}},
            **_DEVICE_ERRORS}}},
    "/inbox/read": {"post": {
        "summary": "标记提醒已读 (mark reminders read; others' ids count as unknown)",
        "parameters": [_SCHEMA],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["ids"], "properties": {
                "ids": {"type": "array", "maxItems": 500, "items": {"type": "string", "format": "uuid"}}}}}}},
        "responses": {"200": {"description": "how many were marked", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"marked": {"type": "integer"}}}}}},
            **_DEVICE_ERRORS}}},
}

OPERATIONS.update(OPENAPI_OPERATIONS)


def _wire(moment) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" if moment else None


@bp.get("/inbox")
@require_device
def device_inbox():
    """The newest reminders sent to this device's user (at most 100) and the unread count."""
    rows = db.session.scalars(inbox_query(g.user).limit(LIMIT)).all()
    return jsonify(unread=unread_count(g.user), reminders=[{
        "id": str(r.id), "kind": str(r.kind), "kind_label": KIND_LABELS.get(r.kind, str(r.kind)),
        "subject": r.subject, "body": r.body, "sent_at": _wire(r.sent_at), "read_at": _wire(r.read_at),
        "finding_id": str(r.finding_id), "revisit_id": str(r.revisit_id) if r.revisit_id else None,
    } for r in rows])


@bp.post("/inbox/read")
@require_device
def device_inbox_read():
    """Mark the listed reminders read: {"ids": [...]} → {"marked": n} (others' ids count as unknown)."""
    body = request.get_json(silent=True)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or len(ids) > 500:
        raise ApiError(400, "bad_request", "需要 ids 列表（最多 500 个） (expected a list of up to 500 ids)")
    try:
        wanted = [uuid.UUID(str(v)) for v in ids]
    except ValueError:
        raise ApiError(400, "bad_request", "ids 中有无效的编号 (an id is not a UUID)") from None
    marked = mark_reminders_read(g.user, wanted, utcnow())
    db.session.commit()
    return jsonify(marked=marked)
