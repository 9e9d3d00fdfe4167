"""Rate limits: password checks per account and per address, requests per tablet.

Each limit is a moving window ("3000 per minute": at most 3000 hits in any 60 s). With a Redis
URL in RATELIMIT_STORAGE_URL the windows are kept there (the `limits` package's Redis storage,
one script call per limit), so every server process and host shares one count; without it
each process counts in its own memory (`MemoryWindows`). The checks are calls, not route
decorators, because the keys (the account a login names, the device a token belongs to) are
only known once the request is read.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

_EXTENSION = "xuncha_limiter"
# How often the in-memory windows drop the keys nobody has hit for a whole window.
SWEEP_SECONDS = 60.0


def client_address() -> str:
    """The client's address; behind PROXY_HOPS trusted proxies, ProxyFix has already put the
    address from X-Forwarded-For here, and otherwise that header is ignored."""
    return request.remote_addr or "unknown"


class _Windows(Protocol):
    def hit(self, item: RateLimitItem, *keys: str) -> bool: ...


class MemoryWindows:
    """Moving windows in this process: for each key, the times of its hits inside the window.

    A hit drops the times that left the window and is refused when `amount` remain, which is
    the moving window of the `limits` package; its MemoryStorage also started a
    threading.Timer and shifted a list of up to `amount` entries on every hit, 5 % of a photo
    upload's server time (docs/performance.md).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[str, tuple[float, deque[float]]] = {}
        self._lock = threading.Lock()
        self._next_sweep = clock() + SWEEP_SECONDS

    def __len__(self) -> int:
        """How many keys are counted now."""
        return len(self._hits)

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        key = item.key_for(*keys)
        now = self._clock()
        with self._lock:
            window, hits = self._hits.setdefault(key, (float(item.get_expiry()), deque()))
            while hits and hits[0] <= now - window:
                hits.popleft()
            allowed = len(hits) < item.amount
            if allowed:
                hits.append(now)
            if now >= self._next_sweep:
                self._sweep(now)
        return allowed

    def _sweep(self, now: float) -> None:
        idle = [key for key, (window, hits) in self._hits.items() if not hits or hits[-1] <= now - window]
        for key in idle:
            del self._hits[key]
        self._next_sweep = now + SWEEP_SECONDS


class _SharedWindows:
    """Windows in a shared store (Redis); when it stops answering, counted in this process."""

    def __init__(self, url: str, options: dict) -> None:
        self.limiter = MovingWindowRateLimiter(storage_from_string(url, **options))
        self.fallback: MemoryWindows | None = None

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        try:
            return self.limiter.hit(item, *keys)
        except Exception:  # the shared store is down: count in this process rather than not at all
            if self.fallback is None:
                log.exception("rate limit storage unavailable; counting in this process meanwhile")
                self.fallback = MemoryWindows()
            return self.fallback.hit(item, *keys)


def init_rate_limits(app: Flask) -> None:
    """Bind counts of the app's own (each app, and so each test, starts with fresh counts)."""
    url = app.config.get("RATELIMIT_STORAGE_URL") or ""
    windows: _Windows
    if url:
        # A Redis that stops answering must slow a login by a second, not hang it.
        options = app.config.get("RATELIMIT_STORAGE_OPTIONS") or {"socket_timeout": 1,
                                                                    "socket_connect_timeout": 1}
        windows = _SharedWindows(url, options)
    else:
        windows = MemoryWindows()
    app.extensions[_EXTENSION] = (windows, app.config["RATELIMIT_KEY_PREFIX"])


@functools.lru_cache(maxsize=64)
def _limits(text: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(text))


def allow(setting: str, *keys: object) -> bool:
    """Count one attempt against every limit in config[setting] for `keys`; False when over.

    `setting` names a limit string such as "10 per minute;50 per hour"; the setting's name is
    part of the key, so different limits never share a count. A key prefix (RATELIMIT_KEY_PREFIX)
    lets several instances, or test runs, share one Redis.
    """
    windows, prefix = current_app.extensions[_EXTENSION]
    names = [prefix, setting, *(str(k) for k in keys)]
    # Every limit is counted, also after one refused, as the windows always were.
    return all([windows.hit(item, *names) for item in _limits(current_app.config[setting])])


def allow_password_check(username: str) -> bool:
    """One password check for `username` from this client: the web login and the tablet's
    pairing share these counts, so neither is a side door for guessing."""
    by_account = allow("PASSWORD_RATE_LIMIT_PER_ACCOUNT", username.strip().lower())
    by_address = allow("PASSWORD_RATE_LIMIT_PER_ADDRESS", client_address())
    return by_account and by_address
