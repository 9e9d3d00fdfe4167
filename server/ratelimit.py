"""Rate limits: password checks per account and per address, requests per tablet.

Counted by Flask-Limiter's moving window in the storage RATELIMIT_STORAGE_URL names: a Redis
URL makes every server process (and host) share one count; without it each process counts in
its own memory. The checks are calls, not route decorators, because the keys (the account a
login names, the device a token belongs to) are only known once the request is read.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

_EXTENSION = "xuncha_limiter"


def client_address() -> str:
    """The client's address; behind PROXY_HOPS trusted proxies, ProxyFix has already put the
    address from X-Forwarded-For here, and otherwise that header is ignored."""
    return request.remote_addr or "unknown"


def init_rate_limits(app: Flask) -> None:
    """Bind a limiter of the app's own (each app, and so each test, starts with fresh counts)."""
    url = app.config.get("RATELIMIT_STORAGE_URL") or "memory://"
    app.config["RATELIMIT_STORAGE_URI"] = url
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A Redis that stops answering must slow a login by a second, not hang it.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": 1, "socket_connect_timeout": 1})
    limiter = Limiter(key_func=client_address, strategy="moving-window")
    limiter.init_app(app)
    app.extensions[_EXTENSION] = _Counter(limiter, app.config["RATELIMIT_KEY_PREFIX"])


class _Counter:
    def __init__(self, limiter: Limiter, prefix: str) -> None:
        self.limiter = limiter
        self.prefix = prefix  # several instances (or test runs) can share one Redis
        self.fallback: MovingWindowRateLimiter | None = None

    def hit(self, item: RateLimitItem, *keys: str) -> bool:
        try:
            return self.limiter.limiter.hit(item, *keys)
        except Exception:  # the shared store is down: count in this process rather than not at all
            if self.fallback is None:
                log.exception("rate limit storage unavailable; counting in this process meanwhile")
                self.fallback = MovingWindowRateLimiter(MemoryStorage())
            return self.fallback.hit(item, *keys)


def allow(setting: str, *keys: object) -> bool:
    """Count one attempt against every limit in config[setting] for `keys`; False when over.

    `setting` names a limit string such as "10 per minute;50 per hour"; the setting's name is
    part of the key, so different limits never share a count.
    """
    counter: _Counter = current_app.extensions[_EXTENSION]
    names = [counter.prefix, setting, *(str(k) for k in keys)]
    return all([counter.hit(item, *names) for item in parse_many(current_app.config[setting])])


def allow_password_check(username: str) -> bool:
    """One password check for `username` from this client: the web login and the tablet's
    pairing share these counts, so neither is a side door for guessing."""
    by_account = allow("PASSWORD_RATE_LIMIT_PER_ACCOUNT", username.strip().lower())
    by_address = allow("PASSWORD_RATE_LIMIT_PER_ADDRESS", client_address())
    return by_account and by_address
