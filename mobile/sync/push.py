"""Push phase: send the outbox in batches that are written down before they go out.

A batch that was sent but never answered (the app was killed, the connection dropped) is sent
again with the same batch_id: the server answers with the reply it stored and applies nothing
twice. Entries deferred in this run are not retried until the next push phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobile.sync.apply import PushOutcome, apply_push_reply
from shared_schema.sync import MAX_PUSH_RECORDS

if TYPE_CHECKING:
    from mobile.sync.engine import SyncContext


def run(ctx: SyncContext, batch_size: int = MAX_PUSH_RECORDS) -> PushOutcome:
    store = ctx.store
    total = PushOutcome()
    done = 0
    waiting = store.outbox.count()
    while True:
        batch = store.outbox.make_batch(limit=batch_size, exclude_seqs=total.deferred_seqs)
        if batch is None:
            return total
        with store.transaction():
            store.outbox.note_sent(batch.batch_id)
        reply = ctx.transport.push(batch.body)
        outcome = apply_push_reply(store, batch, reply)
        total.accepted += outcome.accepted
        total.conflicts += outcome.conflicts
        total.rejected += outcome.rejected
        total.deferred += outcome.deferred
        total.deferred_seqs |= outcome.deferred_seqs
        total.messages += outcome.messages
        done += batch.records
        ctx.report("push", done, max(waiting, done))
