"""Pull phase: bootstrap a new (or rescoped) tablet, then pull pages after the cursor.

Progress totals: the bootstrap reports records downloaded (no total: the stream does not say
how many until its end), then records applied out of the count it ended with; pages report
change numbers from the cursor up to the server's newest (`/health`'s change_seq).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobile.sync.apply import BOOTSTRAP_SPOOL, apply_bootstrap_file, apply_pull_page, read_bootstrap
from shared_schema.sync import DEFAULT_PULL_LIMIT

if TYPE_CHECKING:
    from mobile.sync.engine import SyncContext


def run(ctx: SyncContext, limit: int = DEFAULT_PULL_LIMIT) -> int:
    """Bring the store up to the server; returns the number of records applied."""
    store = ctx.store
    applied = 0
    if store.get_meta("cursor") is None or store.get_meta("resync"):
        applied += bootstrap(ctx)
    start = int(store.get_meta("cursor") or 0)
    newest = ctx.server_change_seq
    while True:
        ctx.check_cancelled()
        cursor = int(store.get_meta("cursor") or 0)
        page = ctx.transport.pull(cursor, limit)
        if page.get("resync_required"):
            store.set_meta("resync", 1)
            applied += bootstrap(ctx)
            start = int(store.get_meta("cursor") or 0)
            continue
        applied += apply_pull_page(store, page, chunk=ctx.apply_chunk)
        cursor = int(page["cursor"])
        total = max(newest or 0, cursor) - start
        ctx.report("pull", cursor - start, total if newest is not None else None,
                   message="正在接收更新 (receiving changes)")
        if not page.get("more"):
            return applied


def bootstrap(ctx: SyncContext) -> int:
    """Download the whole stream to a file (the write lock is free meanwhile), then apply it."""
    spool = ctx.store.home / BOOTSTRAP_SPOOL
    downloading = "正在下载基础数据 (downloading)"
    ctx.report("bootstrap", 0, None, message=downloading)

    def on_line(n: int) -> None:
        if n % 500 == 0:
            ctx.check_cancelled()
            ctx.report("bootstrap", n, None, message=downloading)

    try:
        header, count = read_bootstrap(ctx.transport.bootstrap(), spool, on_line)
        writing = "正在写入基础数据 (storing)"
        ctx.report("bootstrap", 0, count, message=writing)

        def on_chunk(done: int) -> None:
            ctx.check_cancelled()
            ctx.report("bootstrap", done, count, message=writing)

        applied = apply_bootstrap_file(ctx.store, spool, header, count, chunk=ctx.apply_chunk,
                                       on_chunk=on_chunk)
        ctx.report("bootstrap", count, count, message=writing)
        return applied
    finally:
        spool.unlink(missing_ok=True)
