"""Pull phase: bootstrap a new (or rescoped) tablet, then pull pages after the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobile.sync.apply import apply_bootstrap, apply_pull_page
from shared_schema.sync import DEFAULT_PULL_LIMIT

if TYPE_CHECKING:
    from mobile.sync.engine import SyncContext


def run(ctx: SyncContext, limit: int = DEFAULT_PULL_LIMIT) -> int:
    """Bring the store up to the server; returns the number of records applied."""
    store = ctx.store
    applied = 0
    if store.get_meta("cursor") is None or store.get_meta("resync"):
        applied += bootstrap(ctx)
    while True:
        cursor = int(store.get_meta("cursor") or 0)
        page = ctx.transport.pull(cursor, limit)
        if page.get("resync_required"):
            store.set_meta("resync", 1)
            applied += bootstrap(ctx)
            continue
        applied += apply_pull_page(store, page)
        ctx.report("pull", applied, None)
        if not page.get("more"):
            return applied


def bootstrap(ctx: SyncContext) -> int:
    ctx.report("bootstrap", 0, None)

    def counted(lines):
        for n, line in enumerate(lines, 1):
            if n % 500 == 0:
                ctx.report("bootstrap", n, None)
            yield line

    return apply_bootstrap(ctx.store, counted(ctx.transport.bootstrap()))
