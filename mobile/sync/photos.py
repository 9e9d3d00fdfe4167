"""Photo phase: upload this tablet's photos, resuming from the offset the server reports, and
fetch the original photos of findings the inspector must revisit.

A photo is marked uploaded only after the server says it has every byte and has checked them;
the offset comes from the server each time, so a kill mid-upload resumes where the server's
copy ends, and a photo the server already holds costs one small request.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from mobile.photos.pipeline import _write_atomic
from mobile.sync.transport import RequestRefused

if TYPE_CHECKING:
    from mobile.sync.engine import SyncContext

CHUNK = 256 * 1024


def run(ctx: SyncContext, chunk_size: int = CHUNK) -> int:
    """Upload every waiting photo; returns how many were completed."""
    store = ctx.store
    waiting = store.photos.waiting()
    total_bytes = sum(p.size for p in waiting)
    sent_bytes = 0
    completed = 0
    for n, photo in enumerate(waiting, 1):
        try:
            data = photo.path.read_bytes()
        except FileNotFoundError:
            with store.transaction():
                store.photos.mark_failed(photo.sha256, "照片文件丢失 (photo file missing)")
            continue
        try:
            _upload(ctx, photo.sha256, data, chunk_size,
                    lambda offset, n=n, base=sent_bytes: ctx.report(
                        "photos", n - 1, len(waiting), bytes_done=base + offset, bytes_total=total_bytes))
        except RequestRefused as exc:
            # The server refuses these bytes for good (not an image, too large): keep the file,
            # show the reason; the links to it stay in the outbox.
            with store.transaction():
                store.photos.mark_failed(photo.sha256, f"{exc.code}: {exc.message}")
            continue
        with store.transaction():
            store.photos.mark_uploaded(photo.sha256)
        sent_bytes += len(data)
        completed += 1
        ctx.report("photos", n, len(waiting), bytes_done=sent_bytes, bytes_total=total_bytes)
    fetch_revisit_photos(ctx)
    return completed


def _upload(ctx: SyncContext, sha256: str, data: bytes, chunk_size: int, progress) -> None:
    offset, complete, max_chunk = ctx.transport.photo_status(sha256)
    size = min(chunk_size, max_chunk or chunk_size)
    while not complete:
        if offset >= len(data):
            # Every byte is there but the server did not finish (its reply was lost): ask it to.
            offset, complete = ctx.transport.upload_photo(sha256, None, b"", len(data))
        else:
            chunk = data[offset:offset + size]
            offset, complete = ctx.transport.upload_photo(sha256, offset, chunk, len(data))
        progress(offset)


def fetch_revisit_photos(ctx: SyncContext) -> int:
    """Download the evidence photos of findings with a pending revisit, so the inspector can
    compare on site without a network."""
    from mobile.findings import pending_revisits

    store = ctx.store
    fetched = 0
    for view in pending_revisits(store):
        for link in view.evidence:
            sha = link.get("photo_sha256")
            if not sha or store.photos.get(sha) is not None:
                continue
            data = ctx.transport.download_photo(sha)
            if hashlib.sha256(data).hexdigest() != sha:
                continue  # a damaged download is fetched again next time
            path = store.photo_dir / sha[:2] / f"{sha}.jpg"
            _write_atomic(path, data)
            with store.transaction():
                store.photos.add(sha, path, None, len(data), None, None, state="remote")
            fetched += 1
    return fetched
