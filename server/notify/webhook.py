"""The office's own messaging system: a JSON POST signed with HMAC-SHA256.

Headers: `X-Xuncha-Timestamp` (Unix seconds) and `X-Xuncha-Signature: sha256=<hex>` where the
MAC is over `<timestamp>.<raw body>` with the shared secret; a receiver recomputes it and
rejects old timestamps to stop replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import requests

from server.domain.rectification.settings import setting


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_webhook(payload: dict[str, Any]) -> None:
    """POST the payload; any status but 2xx raises, so the reminder is retried."""
    url = setting("WEBHOOK_URL")
    if not url:
        raise RuntimeError("未配置 WEBHOOK_URL (no webhook configured)")
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    response = requests.post(url, data=body, timeout=float(setting("WEBHOOK_TIMEOUT_SECONDS")), headers={
        "Content-Type": "application/json; charset=utf-8",
        "X-Xuncha-Timestamp": timestamp,
        "X-Xuncha-Signature": sign(setting("WEBHOOK_SECRET"), timestamp, body),
    })
    response.raise_for_status()
