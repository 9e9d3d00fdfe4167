"""Push, pull and bootstrap: thin views over server.domain.sync."""

from __future__ import annotations

from flask import Response, g, request, stream_with_context
from sqlalchemy.exc import IntegrityError

from server.api import bp
from server.api.auth import require_device
from server.api.commit import commit_keeping_rows
from server.api.compression import accepts_gzip, gzip_stream, maybe_gzip
from server.api.errors import ApiError
from server.api.payload import json_bytes, json_response, load, load_fast
from server.body_buffer import BODY_BUFFERED
from server.domain.models.base import utcnow
from server.domain.sync.pull import bootstrap_records, pull_changes, remember_pull
from server.domain.sync.push import BatchBelongsToAnotherDevice, apply_push
from server.domain.sync.scope import OutOfScope, Scope, scope_for
from server.extensions import db
from shared_schema.fastload import CompiledSchema
from shared_schema.fields import UtcDateTime
from shared_schema.push_decoder import decode_push
from shared_schema.sync import PullQuerySchema, PushRequestSchema

_time = UtcDateTime()
_push_request = CompiledSchema(PushRequestSchema())
_pull_query = PullQuerySchema()


def _scope() -> Scope:
    try:
        return scope_for(g.user)
    except OutOfScope as exc:
        raise ApiError(403, "forbidden", str(exc)) from None


@bp.post("/sync/push")
@require_device
def push():
    """Apply a batch of tablet records; per-record results, idempotent by batch_id."""
    # End the device check's transaction before a slow body is read; under `xuncha serve` the
    # body is in memory already and the transaction goes on (on PostgreSQL a COMMIT and BEGIN less).
    if not request.environ.get(BODY_BUFFERED):
        commit_keeping_rows()
    data, loaded = load_fast(decode_push, _push_request)
    scope = _scope()
    try:
        reply = apply_push(g.device, g.user, scope, data["batch_id"], data["records"], loaded)
        commit_keeping_rows()
    except BatchBelongsToAnotherDevice:
        db.session.rollback()
        raise ApiError(409, "batch_id_taken",
                       "batch_id 已被其他设备使用 (batch id used by another device)") from None
    except IntegrityError:
        # The same batch arrived twice at once; the other request applied it: replay its reply.
        db.session.rollback()
        reply = apply_push(g.device, g.user, scope, data["batch_id"], data["records"], loaded)
    # The reply is already in its wire form (PushResponseSchema): it is what a replay returns.
    return json_response(reply)


@bp.get("/sync/pull")
@require_device
def pull():
    """Changes after the cursor, in scope, oldest first; `more` says whether to pull again."""
    query = load(_pull_query, dict(request.args))
    try:
        page = pull_changes(g.device, g.user, query["cursor"], query["limit"])
    except OutOfScope as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    # Written once a pull has caught up (or the scope is new), not for every page on the way:
    # a write per page made each page of a long pull a write transaction.
    if not page.resync_required and (
        (not page.more and g.device.last_pull_seq != page.cursor) or g.device.scope_key != page.scope.key
    ):
        remember_pull(g.device, page.scope, page.cursor)
    commit_keeping_rows()
    # Already in the wire form of PullResponseSchema; dumping 500 changes again cost more
    # than reading them.
    body = {"cursor": page.cursor, "more": page.more, "resync_required": page.resync_required,
            "server_time": _time._serialize(utcnow(), None, None), "changes": page.changes}
    return maybe_gzip(json_response(body))


@bp.get("/sync/bootstrap")
@require_device
def bootstrap():
    """Everything in scope for a new tablet, as one NDJSON stream ending with an end line."""
    scope = _scope()
    cursor, records = bootstrap_records(scope)
    remember_pull(g.device, scope, cursor)
    db.session.commit()

    def lines():
        yield _line({"type": "header", "cursor": cursor, "server_time": _time._serialize(
            utcnow(), None, None), "scope": scope.region_prefix})
        count = 0
        for record in records:
            count += 1
            yield _line(record)
        yield _line({"type": "end", "records": count})

    body = stream_with_context(lines())
    response = Response(gzip_stream(body) if accepts_gzip() else body,
                        mimetype="application/x-ndjson")
    if accepts_gzip():
        response.headers["Content-Encoding"] = "gzip"
    return response


def _line(obj) -> bytes:
    return json_bytes(obj) + b"\n"
