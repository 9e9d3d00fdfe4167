"""Whether the server in front of the app has read each request body whole before the app runs.

`xuncha serve` (waitress) does: it receives the body into memory (or a temporary file) and
only then hands the request to a worker thread. A view may then keep its transaction open
while it reads the body, since no slow network can stall that read. Under another WSGI server
(Werkzeug's in `xuncha run`, or anything that streams the body from the socket) the key is
absent and views end their transaction before reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY_BUFFERED = "xuncha.body_buffered"


def mark_bodies_buffered(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """The WSGI app, with every request marked as having its body in hand."""

    def buffered(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        environ[BODY_BUFFERED] = True
        return app(environ, start_response)

    return buffered
