"""One access-log line per request: method, path, status, milliseconds, user.

Logged on the "xuncha.access" logger; `xuncha serve` prints it to stderr. A request that ends
in an error still gets its line (Flask runs after_request on error pages too)."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, g, request

log = logging.getLogger("xuncha.access")


def install_access_log(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_line)


def _start() -> None:
    g.access_started = time.perf_counter()


def _who() -> str:
    """The dashboard user, else the tablet's, else "-": only what the request already loaded."""
    try:
        session_user = getattr(g, "_login_user", None)
        if session_user is not None and getattr(session_user, "is_authenticated", False):
            return session_user.username
        tablet_user = getattr(g, "user", None)
        return tablet_user.username if tablet_user is not None else "-"
    except Exception:  # a failed request's rolled-back session must not cost its log line
        return "?"


def _line(response: Response) -> Response:
    started = g.pop("access_started", None)
    ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
    # The path only: a query string may carry what does not belong in a log.
    log.info("%s %s %s %.1fms %s", request.method, request.path, response.status_code, ms, _who())
    return response


def print_access_log(stream=None) -> None:
    """Show the access lines (INFO) on stderr, once per process."""
    if any(getattr(h, "_xuncha_access", False) for h in log.handlers):
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler._xuncha_access = True  # type: ignore[attr-defined]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
