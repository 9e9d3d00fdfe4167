"""The scheduler frees the disk held by photo uploads that were never finished."""

import hashlib
import os

from server.jobs.scheduler import run_once
from server.storage import get_photo_store


def test_a_tick_discards_week_old_partial_uploads_and_keeps_fresh_ones(app_ctx):
    store = get_photo_store(app_ctx)
    stale, fresh = hashlib.sha256(b"stale").hexdigest(), hashlib.sha256(b"fresh").hexdigest()
    store.append_upload(stale, 0, b"x" * 100)
    store.append_upload(fresh, 0, b"y" * 100)
    path = store.root / "uploads" / f"{stale}.part"
    week_ago = path.stat().st_mtime - 8 * 24 * 3600
    os.utime(path, (week_ago, week_ago))
    report = run_once()
    assert report.uploads_discarded == 1 and not report.errors
    assert [p.sha256 for p in store.pending_uploads()] == [fresh]
