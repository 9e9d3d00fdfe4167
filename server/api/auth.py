"""Device authentication for the sync API: bearer token, schema version, rate limit."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import g, request

from server.api.errors import ApiError
from server.domain.devices import find_device_by_token, find_device_credentials, mark_device_seen
from server.domain.models.base import utcnow
from server.ratelimit import allow
from shared_schema import MIN_SCHEMA_VERSION, SCHEMA_VERSION

SCHEMA_HEADER = "X-Xuncha-Schema"
SEEN_RESOLUTION = timedelta(minutes=1)
REVOKED_MESSAGE = "device revoked: wipe local data (设备已注销，请清除本地数据)"


def check_schema_version() -> int:
    """An old tablet is told to update before it can write anything in an old shape."""
    raw = request.headers.get(SCHEMA_HEADER, "")
    try:
        version = int(raw)
    except ValueError:
        raise ApiError(400, "schema_version_missing", f"请求头 {SCHEMA_HEADER} 缺失或无效") from None
    if version < MIN_SCHEMA_VERSION:
        raise ApiError(
            426, "please_update", "应用版本过旧，请更新后再同步 (please update the app)",
            min_schema_version=MIN_SCHEMA_VERSION,
        )
    if version > SCHEMA_VERSION:
        raise ApiError(400, "schema_version_unknown", f"服务器不认识数据格式版本 {version}")
    return version


def too_many_requests() -> ApiError:
    return ApiError(429, "rate_limited", "请求过于频繁，请稍后再试 (too many requests)")


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """The device of a request authenticated by `require_device_identity`: its id only."""

    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class UserRef:
    """Its user: what an upload's row, audit entry and log line need, not an ORM object."""

    id: uuid.UUID
    office_id: uuid.UUID
    username: str


def _bearer_token() -> str:
    check_schema_version()
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or len(header) > 200:
        raise ApiError(401, "unauthorized", "需要设备令牌 (device token required)")
    return header.removeprefix("Bearer ").strip()


def _unknown_token() -> ApiError:
    return ApiError(401, "unauthorized", "设备令牌无效 (unknown device token)")


def _admit(device_id: uuid.UUID, revoked_at: datetime | None, user_active: bool) -> None:
    """The checks every device request passes, read from the database on every request: a
    revoked tablet is refused at once, by every server process (no cache can outlive it)."""
    if revoked_at is not None:
        raise ApiError(403, "device_revoked", REVOKED_MESSAGE)
    if not user_active:
        raise ApiError(403, "user_inactive", "账号已停用 (account disabled)")
    if not allow("DEVICE_RATE_LIMIT", device_id):
        raise too_many_requests()


def _is_stale(last_seen_at: datetime | None, now: datetime) -> bool:
    # A write per request would make every no-change pull a write transaction.
    return last_seen_at is None or now - last_seen_at > SEEN_RESOLUTION


def require_device(view: Callable) -> Callable:
    """Authenticate the device; sets g.device and g.user (ORM objects, one SELECT)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        device = find_device_by_token(_bearer_token())
        if device is None:
            raise _unknown_token()
        _admit(device.id, device.revoked_at, device.user.active)
        now = utcnow()
        if _is_stale(device.last_seen_at, now):
            device.last_seen_at = now
        g.device = device
        g.user = device.user
        return view(*args, **kwargs)

    return wrapped


def require_device_identity(view: Callable) -> Callable:
    """The same checks from one row of plain columns; sets g.device (DeviceRef) and g.user
    (UserRef). For views that need only ids and names: loading the ORM objects cost a photo
    upload more than its own INSERT."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        row = find_device_credentials(_bearer_token())
        if row is None:
            raise _unknown_token()
        _admit(row.id, row.revoked_at, row.active)
        now = utcnow()
        if _is_stale(row.last_seen_at, now):
            mark_device_seen(row.id, now)
        g.device = DeviceRef(row.id)
        g.user = UserRef(row.user_id, row.office_id, row.username)
        return view(*args, **kwargs)

    return wrapped
