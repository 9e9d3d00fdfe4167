"""The outbox: what the server has not acknowledged yet, one open entry per record.

An entry names a record and the fields changed since the last push; the body that is sent is
built from the record as it is when the batch is made. A batch is written down (body and
batch_id, with its entries tied to it) before it is sent, so that after a crash the same
batch_id goes out again and the server answers with its stored reply instead of applying twice.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mobile.timeutil import now_wire
from shared_schema.records import CREATE_ONLY, FREE, PUSH_ORDER
from shared_schema.sync import MAX_PUSH_RECORDS

if TYPE_CHECKING:
    from mobile.store.connection import Store
    from mobile.store.records import Record

_KIND_ORDER = " ".join(f"WHEN '{kind}' THEN {i}" for i, kind in enumerate(PUSH_ORDER))


@dataclass
class Batch:
    batch_id: str
    body: dict[str, Any]
    records: int
    sent_count: int = 0


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- entries ------------------------------------------------------------------------------
    def enqueue(self, kind: str, record_id: str, op: str, fields: list[str]) -> None:
        """Add or coalesce the record's open entry (call inside the write's transaction)."""
        conn = self.store.conn
        now = now_wire()
        row = conn.execute(
            "SELECT seq, fields, op FROM outbox WHERE kind = ? AND record_id = ? AND batch_id IS NULL",
            (kind, record_id),
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO outbox (kind, record_id, op, fields, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (kind, record_id, op, json.dumps(sorted(set(fields))), now, now),
            )
            return
        merged = sorted(set(json.loads(row["fields"])) | set(fields))
        conn.execute(
            "UPDATE outbox SET op = ?, fields = ?, state = 'pending', updated_at = ? WHERE seq = ?",
            (op, json.dumps(merged), now, row["seq"]),
        )

    def drop_open(self, kind: str, record_id: str) -> None:
        self.store.conn.execute(
            "DELETE FROM outbox WHERE kind = ? AND record_id = ? AND batch_id IS NULL", (kind, record_id))

    def in_flight(self, kind: str, record_id: str) -> bool:
        return self.store.conn.execute(
            "SELECT 1 FROM outbox WHERE kind = ? AND record_id = ? AND batch_id IS NOT NULL",
            (kind, record_id),
        ).fetchone() is not None

    def ops_for(self, kind: str, record_id: str) -> set[str]:
        return {r[0] for r in self.store.conn.execute(
            "SELECT op FROM outbox WHERE kind = ? AND record_id = ?", (kind, record_id))}

    def count(self, state: str | None = None) -> int:
        if state is None:
            return self.store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        return self.store.conn.execute(
            "SELECT count(*) FROM outbox WHERE state = ?", (state,)).fetchone()[0]

    def counts_by_kind(self) -> dict[str, int]:
        return dict(self.store.conn.execute("SELECT kind, count(*) FROM outbox GROUP BY kind").fetchall())

    # -- batches ------------------------------------------------------------------------------
    def open_batch(self) -> Batch | None:
        """The batch made earlier and not yet answered (after a crash or a lost reply)."""
        row = self.store.conn.execute(
            "SELECT * FROM push_batch ORDER BY created_at, rowid LIMIT 1").fetchone()
        if row is None:
            return None
        return Batch(row["batch_id"], json.loads(row["body"]), row["records"], row["sent_count"])

    def make_batch(self, limit: int = MAX_PUSH_RECORDS, exclude_seqs: set[int] = frozenset(),
                   skip_photo_links_waiting: bool = True) -> Batch | None:
        """Write the next batch down (body + batch_id on its entries) and return it.

        Parents go before children across batches too: entries are taken in the server's
        apply order (inspection → answer → finding → …), oldest first within a kind.
        """
        with self.store.transaction() as conn:
            existing = self.open_batch()
            if existing is not None:
                return existing
            rows = conn.execute(
                f"""SELECT o.seq, o.kind, o.record_id, o.op, o.fields FROM outbox o
                    WHERE o.batch_id IS NULL
                    ORDER BY CASE o.kind {_KIND_ORDER} ELSE 99 END, o.seq"""
            ).fetchall()
            chosen: list[tuple[int, dict]] = []
            for row in rows:
                if len(chosen) >= limit:
                    break
                if row["seq"] in exclude_seqs:
                    continue
                record = self.store.records.get(row["kind"], row["record_id"])
                if row["op"] == "delete":
                    chosen.append((row["seq"], {"kind": row["kind"], "id": row["record_id"], "op": "delete"}))
                    continue
                if record is None:  # deleted before it was ever sent
                    conn.execute("DELETE FROM outbox WHERE seq = ?", (row["seq"],))
                    continue
                if skip_photo_links_waiting and record.kind == "photo_link" and \
                        not self.store.photos.is_uploaded(record.data.get("photo_sha256", "")):
                    continue
                if record.kind == "revisit" and self._revisit_photos_waiting(record.id):
                    continue  # a revisit's result goes with its after-photos, not before them
                chosen.append((row["seq"], wire_record(record, json.loads(row["fields"]))))
            if not chosen:
                return None
            batch_id = str(uuid.uuid4())
            body = {"batch_id": batch_id, "records": [wire for _seq, wire in chosen]}
            conn.execute(
                "INSERT INTO push_batch (batch_id, body, records, created_at) VALUES (?, ?, ?, ?)",
                (batch_id, json.dumps(body, ensure_ascii=False), len(chosen), now_wire()),
            )
            conn.executemany(
                "UPDATE outbox SET batch_id = ?, attempts = attempts + 1 WHERE seq = ?",
                [(batch_id, seq) for seq, _wire in chosen],
            )
            return Batch(batch_id, body, len(chosen))

    def _revisit_photos_waiting(self, revisit_id: str) -> bool:
        for link in self.store.records.find("photo_link", revisit_id=revisit_id):
            if not link.on_server and not self.store.photos.is_uploaded(link.get("photo_sha256", "")):
                return True
        return False

    def note_sent(self, batch_id: str) -> None:
        self.store.conn.execute(
            "UPDATE push_batch SET sent_count = sent_count + 1 WHERE batch_id = ?", (batch_id,))

    def entry_in_batch(self, batch_id: str, kind: str, record_id: str):
        return self.store.conn.execute(
            "SELECT * FROM outbox WHERE batch_id = ? AND kind = ? AND record_id = ?",
            (batch_id, kind, record_id),
        ).fetchone()

    def finish_entry(self, seq: int) -> None:
        self.store.conn.execute("DELETE FROM outbox WHERE seq = ?", (seq,))

    def defer_entry(self, entry, code: str | None) -> None:
        """Put an entry back in the queue; it merges into a newer open entry if one exists."""
        conn = self.store.conn
        newer = conn.execute(
            "SELECT seq, fields FROM outbox WHERE kind = ? AND record_id = ? AND batch_id IS NULL",
            (entry["kind"], entry["record_id"]),
        ).fetchone()
        if newer is not None:
            merged = sorted(set(json.loads(newer["fields"])) | set(json.loads(entry["fields"])))
            conn.execute("UPDATE outbox SET fields = ? WHERE seq = ?", (json.dumps(merged), newer["seq"]))
            conn.execute("DELETE FROM outbox WHERE seq = ?", (entry["seq"],))
            return
        conn.execute(
            "UPDATE outbox SET batch_id = NULL, state = 'deferred', last_code = ?, updated_at = ? "
            "WHERE seq = ?",
            (code, now_wire(), entry["seq"]),
        )

    def close_batch(self, batch_id: str) -> None:
        """Forget the batch; entries the reply did not mention go back in the queue."""
        conn = self.store.conn
        for entry in conn.execute("SELECT * FROM outbox WHERE batch_id = ?", (batch_id,)).fetchall():
            self.defer_entry(entry, "no_result")
        conn.execute("DELETE FROM push_batch WHERE batch_id = ?", (batch_id,))

    def has_open_for(self, kind: str, record_id: str) -> bool:
        return self.store.conn.execute(
            "SELECT 1 FROM outbox WHERE kind = ? AND record_id = ?", (kind, record_id)).fetchone() is not None


def wire_record(record: Record, changed: list[str]) -> dict[str, Any]:
    """The push form of a record: create-only fields always (so a record the server has not
    seen can be created from any entry), free fields that changed (all of them until the server
    has the record), each with its stamp."""
    free = FREE[record.kind]
    names = [k for k in record.data if k in CREATE_ONLY[record.kind]]
    if record.on_server:
        names += [k for k in changed if k in free and k in record.data]
    else:
        names += [k for k in record.data if k in free]
    fields = {k: record.data[k] for k in names}
    clocks = {k: record.clocks[k] for k in names if k in free and k in record.clocks}
    return {"kind": record.kind, "id": record.id, "op": "upsert", "fields": fields, "clocks": clocks}
