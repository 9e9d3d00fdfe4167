"""Device authentication for the sync API: bearer token, schema version, rate limit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta

from flask import g, request

from server.api.errors import ApiError
from server.domain.devices import find_device_by_token
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


def require_device(view: Callable) -> Callable:
    """Authenticate the device; sets g.device and g.user."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        check_schema_version()
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or len(header) > 200:
            raise ApiError(401, "unauthorized", "需要设备令牌 (device token required)")
        device = find_device_by_token(header.removeprefix("Bearer ").strip())
        if device is None:
            raise ApiError(401, "unauthorized", "设备令牌无效 (unknown device token)")
        if device.is_revoked:
            raise ApiError(403, "device_revoked", REVOKED_MESSAGE)
        if not device.user.active:
            raise ApiError(403, "user_inactive", "账号已停用 (account disabled)")
        if not allow("DEVICE_RATE_LIMIT", device.id):
            raise too_many_requests()
        now = utcnow()
        # A write per request would make every no-change pull a write transaction.
        if device.last_seen_at is None or now - device.last_seen_at > SEEN_RESOLUTION:
            device.last_seen_at = now
        g.device = device
        g.user = device.user
        return view(*args, **kwargs)

    return wrapped
