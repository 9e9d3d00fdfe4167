"""Photo uploads and downloads: content-addressed by SHA-256, resumable in chunks (docs/photos.md)."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request, send_file
from werkzeug.exceptions import ClientDisconnected

from server.api import bp
from server.api.auth import require_device, require_device_identity
from server.api.commit import commit_keeping_rows
from server.api.errors import ApiError
from server.api.openapi import OPERATIONS
from server.body_buffer import BODY_BUFFERED
from server.domain.photos import (
    PhotoLimits,
    PhotoRejected,
    UploadStatus,
    begin_upload,
    check_chunk_size,
    ensure_thumbnail,
    is_sha256,
    readable_photo,
    receive_chunk,
    store_whole_photo,
    upload_lock,
    upload_status,
)
from server.extensions import db
from server.storage import OffsetMismatch, StorageError, Variant, get_photo_store
from shared_schema.fields import UtcDateTime
from shared_schema.photos import ContentRange, UploadStatusSchema, parse_content_range

REJECTION_STATUS = {
    "bad_content_range": 400,
    "chunk_too_large": 413,
    "photo_too_large": 413,
    "photo_hash_mismatch": 422,
    "photo_not_image": 422,
    "photo_trailing_data": 422,
    "photo_too_many_pixels": 422,
}
# The bytes behind a SHA-256 never change, so a tablet may keep them for good.
ONE_YEAR = 365 * 24 * 3600


# This module's entries of the OpenAPI description (server.api.openapi.OPERATIONS).
_SHA256 = {"name": "sha256", "in": "path", "required": True,
           "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
_SCHEMA = {"name": "X-Xuncha-Schema", "in": "header", "required": True, "schema": {"type": "string"}}
_STATUS = {"content": {"application/json": {"schema": UploadStatusSchema}}}
_ERROR = {"description": "错误 (error)",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_DEVICE_ERRORS = {str(code): _ERROR for code in (400, 401, 403, 426, 429)}
_BYTES = {"200": {"description": "the bytes; ETag, Range and If-None-Match supported"},
          "304": {"description": "not modified"}, "404": _ERROR, **_DEVICE_ERRORS}
OPENAPI_OPERATIONS = {
    "/photos/{sha256}/upload": {
        "get": {"summary": "照片上传进度 (where an upload stands)", "parameters": [_SCHEMA, _SHA256],
                "responses": {"200": {"description": "offset and completeness", **_STATUS},
                              **_DEVICE_ERRORS}},
        "put": {
            "summary": "上传照片分块 (append one chunk)",
            "parameters": [_SCHEMA, _SHA256, {
                "name": "Content-Range", "in": "header", "required": True,
                "schema": {"type": "string", "example": "bytes 0-262143/301234"}}],
            "requestBody": {"required": True,
                            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                 "format": "binary"}}}},
            "responses": {"200": {"description": "chunk kept (or photo already complete)", **_STATUS},
                          "201": {"description": "photo complete and checked", **_STATUS},
                          **{str(code): _ERROR for code in (409, 411, 413, 422, 503)}, **_DEVICE_ERRORS},
        },
    },
    "/photos/{sha256}": {"get": {"summary": "照片原图 (original bytes)", "parameters": [_SCHEMA, _SHA256],
                                 "responses": _BYTES}},
    "/photos/{sha256}/thumb": {"get": {"summary": "照片缩略图 (JPEG thumbnail, 320 px)",
                                       "parameters": [_SCHEMA, _SHA256], "responses": _BYTES}},
}

OPERATIONS.update(OPENAPI_OPERATIONS)


@bp.get("/photos/<sha256>/upload")
@require_device
def photo_upload_status(sha256: str):
    """Where an upload stands: {sha256, offset, complete, max_chunk[, photo]}."""
    _check_sha256(sha256)
    # Asking is not a reason to write: the device's last_seen_at waits for a sync request.
    with db.session.no_autoflush:
        status = upload_status(get_photo_store(current_app), sha256, viewer=g.user)
    return _reply(status)


@bp.put("/photos/<sha256>/upload")
@require_device_identity
def put_photo_chunk(sha256: str):
    """Append the body at the Content-Range start, which must be the current offset.

    200 with the new offset; 201 with the photo when this chunk completed a checked photo;
    200 with the photo when it was complete already.
    """
    _check_sha256(sha256)
    limits = PhotoLimits.from_config(current_app.config)
    chunk = _content_range()
    try:
        check_chunk_size(limits, chunk.total, chunk.length)
    except PhotoRejected as exc:
        raise _rejected(exc) from None
    # The whole body arrives before any lock is taken, and outside any transaction: a slow or
    # stalled network holds nothing. Under `xuncha serve` the body is in memory already, so the
    # device check's transaction simply goes on (on PostgreSQL a COMMIT and a BEGIN less).
    if not request.environ.get(BODY_BUFFERED):
        commit_keeping_rows()
    data = _read_body(chunk.length)
    store = get_photo_store(current_app)
    try:
        # A photo that fits in one chunk needs no partial file, no lock and no status query.
        status = (store_whole_photo(store, sha256, data, limits, g.user, g.device)
                  if chunk.start == 0 and chunk.length == chunk.total else None)
        if status is None:
            status = _append_chunk(store, sha256, chunk, data, limits)
        reply = _reply(status, 201 if status.created else 200)
        commit_keeping_rows()
    except OffsetMismatch as exc:
        db.session.rollback()
        raise ApiError(
            409, "offset_mismatch",
            f"上传位置不符，请从第 {exc.offset} 字节继续"
            f" (the upload stands at byte {exc.offset}; resume there)",
            offset=exc.offset,
        ) from None
    except PhotoRejected as exc:
        db.session.rollback()
        raise _rejected(exc) from None
    except StorageError:
        db.session.rollback()
        current_app.logger.exception("photo store failed for %s", sha256)
        raise ApiError(
            503, "storage_unavailable", "照片存储暂不可用，请稍后重试 (photo storage unavailable)"
        ) from None
    return reply


def _append_chunk(store, sha256: str, chunk: ContentRange, data: bytes, limits: PhotoLimits) -> UploadStatus:
    photo = begin_upload(sha256)
    db.session.commit()
    if photo.stored:
        return UploadStatus(sha256, photo.size, True, photo)
    with upload_lock(store, sha256) as locked:
        status = receive_chunk(store, locked, chunk.start, data, chunk.total, limits, g.user, g.device)
        db.session.commit()  # inside the lock: the next writer must see this chunk's row
    return status


@bp.get("/photos/<sha256>")
@require_device
def get_photo(sha256: str):
    """The original bytes, for a device whose user may see the photo."""
    return _send(sha256, Variant.ORIGINAL)


@bp.get("/photos/<sha256>/thumb")
@require_device
def get_photo_thumb(sha256: str):
    """A JPEG of at most 320 px on the long edge, EXIF orientation applied."""
    return _send(sha256, Variant.THUMB)


def _send(sha256: str, variant: Variant):
    _check_sha256(sha256)
    store = get_photo_store(current_app)
    with db.session.no_autoflush:
        photo = readable_photo(g.user, sha256)
    if photo is None:
        # Absent and forbidden look alike: a hash says nothing about who may see it.
        raise ApiError(404, "photo_not_found", "照片不存在或无权查看 (no such photo, or not yours to see)")
    if variant == Variant.THUMB:
        mimetype, etag = "image/jpeg", f"{sha256}-thumb"
    else:
        mimetype, etag = photo.content_type, sha256
    try:
        if variant == Variant.THUMB:
            ensure_thumbnail(store, photo, PhotoLimits.from_config(current_app.config))
        source = store.local_path(sha256, variant) or store.open(sha256, variant)
    except (FileNotFoundError, PhotoRejected):
        current_app.logger.error("photo %s is marked stored but its %s is missing", sha256, variant)
        raise ApiError(404, "photo_not_found", "照片文件缺失 (photo file missing)") from None
    response = send_file(source, mimetype=mimetype, etag=etag, conditional=True, max_age=ONE_YEAR)
    # Private: these are access-controlled; a shared proxy must not keep them.
    response.cache_control.public = False
    response.cache_control.private = True
    response.cache_control.immutable = True
    return response


def _check_sha256(sha256: str) -> None:
    if not is_sha256(sha256):
        raise ApiError(
            400, "invalid_sha256", "照片标识必须是 64 位小写十六进制 SHA-256 (64 lowercase hex digits)"
        )


def _content_range() -> ContentRange:
    header = request.headers.get("Content-Range")
    if header is None:
        raise ApiError(400, "bad_content_range", "缺少 Content-Range 请求头 (Content-Range header required)")
    try:
        return parse_content_range(header)
    except ValueError as exc:
        raise ApiError(
            400, "bad_content_range", f"Content-Range 无效 (invalid Content-Range): {exc}"
        ) from None


def _read_body(expected: int) -> bytes:
    """Exactly the declared bytes, or a 4xx: nothing is kept from a body of the wrong length."""
    declared = request.content_length
    if declared is None and expected > 0:
        raise ApiError(411, "length_required", "需要 Content-Length 请求头 (Content-Length required)")
    if declared is not None and declared != expected:
        raise ApiError(
            400, "body_length_mismatch",
            f"请求体长度 {declared} 与 Content-Range 的 {expected} 字节不符"
            " (body length differs from the range)",
            expected=expected, received=declared,
        )
    try:
        data = request.get_data(cache=False)
    except ClientDisconnected:
        raise ApiError(400, "body_incomplete", "请求体不完整，连接中断 (body cut short)") from None
    if len(data) != expected:
        raise ApiError(400, "body_length_mismatch", "请求体长度与 Content-Range 不符 (body length differs)",
                       expected=expected, received=len(data))
    return data


def _rejected(exc: PhotoRejected) -> ApiError:
    return ApiError(REJECTION_STATUS.get(exc.code, 422), exc.code, exc.message)


_time = UtcDateTime()


def upload_reply(status: UploadStatus, max_chunk: int) -> dict[str, Any]:
    """The UploadStatusSchema shape, built directly: marshmallow's dump of it cost a photo
    upload more than its JSON (tests/test_photo_upload.py holds the two equal)."""
    body: dict[str, Any] = {"sha256": status.sha256, "offset": status.offset, "complete": status.complete,
                            "max_chunk": max_chunk}
    if status.complete:
        photo = status.photo
        body["photo"] = None if photo is None else {
            "sha256": photo.sha256, "content_type": photo.content_type, "size": photo.size,
            "width": photo.width, "height": photo.height,
            "taken_at": _time._serialize(photo.taken_at, None, None),
            "latitude": photo.latitude, "longitude": photo.longitude,
        }
    return body


def _reply(status: UploadStatus, http_status: int = 200):
    return upload_reply(status, current_app.config["PHOTO_MAX_CHUNK"]), http_status
