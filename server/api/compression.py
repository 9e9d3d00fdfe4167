"""gzip for the big sync answers, when the tablet says it accepts it."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator

from flask import Response, request

MIN_SIZE = 1024
# Level 1: a 700 KB page of records shrinks to about the same size as at level 6 (they repeat
# field names and ids) in a third of the time, and the server's CPU is what a pull waits on.
LEVEL = 1


def accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def maybe_gzip(response: Response) -> Response:
    if response.direct_passthrough or not accepts_gzip():
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=LEVEL))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response


def gzip_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Compress a stream as it is produced, flushing every ~64 KB so the tablet sees progress."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    pending = 0
    for chunk in chunks:
        out = compressor.compress(chunk)
        pending += len(chunk)
        if pending >= 65536:
            out += compressor.flush(zlib.Z_SYNC_FLUSH)
            pending = 0
        if out:
            yield out
    yield compressor.flush()
