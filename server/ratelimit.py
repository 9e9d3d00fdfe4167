"""Token buckets against runaway tablets and password guessing."""

from __future__ import annotations

import threading
import time
from typing import Any


class RateLimiter:
    """A token bucket per key (a device, an address), in this process.

    Several processes each keep their own buckets, so the effective limit is per process; that
    is a guard against a runaway tablet loop, not an accounting system.
    """

    def __init__(self) -> None:
        self._buckets: dict[Any, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: Any, rate_per_minute: float, burst: float) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate_per_minute / 60.0)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return False
            self._buckets[key] = (tokens - 1, now)
            return True


def limiter_for(app: Any) -> RateLimiter:
    """The app's own buckets (each app, and so each test, starts with full ones)."""
    return app.extensions.setdefault("xuncha_rate_limiter", RateLimiter())
