"""Photo phase: upload this tablet's photos, resuming from the offset the server reports, and
fetch the photos of findings the inspector must revisit (the original evidence and the
company's after-photos).

A photo is marked uploaded only after the server says it has every byte and has checked them.
A photo that fits in one chunk goes up in one PUT, with no status query first (docs/photos.md);
a larger one asks where the server's copy stands and resumes there, so a kill mid-upload
resumes where the server's copy ends. Either way the offset comes from the server's replies.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from mobile.photos.pipeline import PhotoError, _write_atomic, write_thumbnail
from mobile.sync.transport import RequestRefused

if TYPE_CHECKING:
    from mobile.sync.engine import SyncContext

CHUNK = 256 * 1024


def run(ctx: SyncContext, chunk_size: int = CHUNK) -> int:
    """Upload every waiting photo; returns how many were completed."""
    store = ctx.store
    waiting = store.photos.waiting()
    # The bar's total: what is on the wire already plus the photo bytes still to go.
    bytes_total = ctx.run_bytes() + sum(p.size for p in waiting)
    completed = 0
    message = "正在上传照片 (uploading photos)"
    for n, photo in enumerate(waiting, 1):
        ctx.check_cancelled()
        try:
            data = photo.path.read_bytes()
        except FileNotFoundError:
            with store.transaction():
                store.photos.mark_failed(photo.sha256, "照片文件丢失 (photo file missing)")
            continue
        try:
            _upload(ctx, photo.sha256, data, chunk_size, lambda _offset, n=n: ctx.report(
                "photos", n - 1, len(waiting), bytes_total=bytes_total, message=message))
        except RequestRefused as exc:
            # The server refuses these bytes for good (not an image, too large): keep the file,
            # show the reason; the links to it stay in the outbox.
            with store.transaction():
                store.photos.mark_failed(photo.sha256, f"{exc.code}: {exc.message}")
            continue
        with store.transaction():
            store.photos.mark_uploaded(photo.sha256)
        completed += 1
        ctx.report("photos", n, len(waiting), bytes_total=bytes_total, message=message)
    fetch_revisit_photos(ctx)
    return completed


def _upload(ctx: SyncContext, sha256: str, data: bytes, chunk_size: int, progress) -> None:
    whole = _send_whole(ctx, sha256, data, chunk_size)
    if whole is not None:
        offset, complete, max_chunk = *whole, None
    else:
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


def _send_whole(ctx: SyncContext, sha256: str, data: bytes, chunk_size: int) -> tuple[int, bool] | None:
    """(offset, complete) after sending a photo that fits in one chunk in one PUT; None when it
    does not fit (or is larger than this server's chunk limit): then the status query decides.
    If part of it is on the server already, the server's offset comes back, and the caller
    resumes there."""
    if not 0 < len(data) <= chunk_size:
        return None
    try:
        return ctx.transport.upload_photo(sha256, 0, data, len(data))
    except RequestRefused as exc:
        if exc.code == "chunk_too_large":
            return None
        raise


def fetch_revisit_photos(ctx: SyncContext) -> int:
    """Download, for every pending revisit, the finding's original photos and the company's
    after-photos (with a thumbnail each), so the inspector compares on site without a network.
    Each download is checked against its SHA-256; the network read happens before the short
    transaction that registers the file."""
    from mobile.findings import pending_revisits

    store = ctx.store
    wanted: list[str] = []
    for view in pending_revisits(store):
        for link in (*view.evidence, *view.company_photos):
            sha = link.get("photo_sha256")
            if sha and sha not in wanted and store.photos.get(sha) is None:
                wanted.append(sha)
    fetched = 0
    for n, sha in enumerate(wanted, 1):
        ctx.check_cancelled()
        data = ctx.transport.download_photo(sha)
        if hashlib.sha256(data).hexdigest() != sha:
            continue  # a damaged download is fetched again next time
        path = store.photo_dir / sha[:2] / f"{sha}.jpg"
        thumb = store.photo_dir / "thumbs" / sha[:2] / f"{sha}.jpg"
        try:
            width, height = write_thumbnail(data, thumb)
        except PhotoError:
            thumb, width, height = None, None, None  # the bytes are kept; the screen shows no preview
        _write_atomic(path, data)
        with store.transaction():
            store.photos.add(sha, path, thumb, len(data), width, height, state="remote")
        fetched += 1
        ctx.report("photos", n, len(wanted), message="正在下载回头看照片 (fetching revisit photos)")
    return fetched
