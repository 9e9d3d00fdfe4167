"""Records of every kind, as the wire shapes them, with their per-field clocks.

Local writes stamp the free fields they change and enqueue an outbox entry in the same
transaction. Remote changes (pulls, conflict replies) merge field by field against what is
still waiting in the outbox, so a pull never overwrites an edit the server has not seen yet.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mobile.timeutil import now_wire
from shared_schema.records import CREATE_ONLY, FREE, RECORD_SCHEMAS

if TYPE_CHECKING:
    from mobile.store.connection import Store

# Keys the tablet looks records up by; each has an index (see migrations).
INDEXED_KEYS = frozenset({"estate_id", "inspection_id", "finding_id", "answer_id", "revisit_id",
                          "template_id", "section_id", "rectification_id", "photo_sha256"})


class InvalidRecord(ValueError):
    """A local write the record schema refuses; `errors` maps field → messages."""

    def __init__(self, kind: str, errors: dict) -> None:
        super().__init__(f"{kind} 数据无效 (invalid {kind}): {errors}")
        self.errors = errors


class ImmutableField(ValueError):
    """A create-only field changed after the server has the record."""


@dataclass
class Record:
    kind: str
    id: str
    data: dict[str, Any]
    clocks: dict[str, str] = field(default_factory=dict)
    server_seq: int = 0
    on_server: bool = False
    sync_state: str = "synced"
    reject_code: str | None = None
    reject_message: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Record:
        return cls(
            kind=row["kind"], id=row["id"], data=json.loads(row["data"]),
            clocks=json.loads(row["clocks"]), server_seq=row["server_seq"],
            on_server=bool(row["on_server"]), sync_state=row["sync_state"],
            reject_code=row["reject_code"], reject_message=row["reject_message"],
        )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


class RecordRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- reading ------------------------------------------------------------------------------
    def get(self, kind: str, record_id: str) -> Record | None:
        row = self.store.conn.execute(
            "SELECT * FROM record WHERE kind = ? AND id = ?", (kind, str(record_id))
        ).fetchone()
        return Record.from_row(row) if row else None

    def require(self, kind: str, record_id: str) -> Record:
        record = self.get(kind, record_id)
        if record is None:
            raise LookupError(f"找不到 {kind} {record_id} (no such {kind})")
        return record

    def find(self, kind: str, order_by: str | None = None, **where: Any) -> list[Record]:
        """Records of `kind` whose indexed keys equal the given values."""
        sql = ["SELECT * FROM record WHERE kind = ?"]
        params: list[Any] = [kind]
        for key, value in where.items():
            if key not in INDEXED_KEYS:
                raise ValueError(f"{key} is not an indexed key")
            sql.append(f"AND json_extract(data, '$.{key}') = ?")
            params.append(str(value))
        if order_by:
            sql.append(f"ORDER BY json_extract(data, '$.{order_by}')")
        return [Record.from_row(r) for r in self.store.conn.execute(" ".join(sql), params)]

    def find_in(self, kind: str, key: str, values: list[str]) -> list[Record]:
        """Records of `kind` whose indexed `key` is one of `values` (chunked under SQLite's limit)."""
        if key not in INDEXED_KEYS:
            raise ValueError(f"{key} is not an indexed key")
        out: list[Record] = []
        values = [str(v) for v in values]
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            out += [Record.from_row(r) for r in self.store.conn.execute(
                f"SELECT * FROM record WHERE kind = ? AND json_extract(data, '$.{key}') IN ({marks})",
                [kind, *chunk])]
        return out

    def all(self, kind: str) -> list[Record]:
        return [Record.from_row(r) for r in self.store.conn.execute(
            "SELECT * FROM record WHERE kind = ? ORDER BY rowid", (kind,))]

    def count(self, kind: str | None = None) -> int:
        if kind is None:
            return self.store.conn.execute("SELECT count(*) FROM record").fetchone()[0]
        return self.store.conn.execute(
            "SELECT count(*) FROM record WHERE kind = ?", (kind,)).fetchone()[0]

    def not_synced(self) -> list[Record]:
        return [Record.from_row(r) for r in self.store.conn.execute(
            "SELECT * FROM record WHERE sync_state != 'synced' ORDER BY kind, rowid")]

    # -- local writes -------------------------------------------------------------------------
    def create(self, kind: str, record_id: str, fields: dict[str, Any]) -> Record:
        """A record made on this tablet; every free field given is stamped."""
        return self._write(kind, str(record_id), fields, create=True)

    def update(self, kind: str, record_id: str, fields: dict[str, Any]) -> Record:
        """Change fields of an existing record; only the ones that really change are stamped."""
        return self._write(kind, str(record_id), fields, create=False)

    def _write(self, kind: str, record_id: str, fields: dict[str, Any], create: bool) -> Record:
        errors = RECORD_SCHEMAS[kind]().validate(fields, partial=True)
        if errors:
            raise InvalidRecord(kind, errors)
        writable = CREATE_ONLY[kind] | FREE[kind]
        stray = set(fields) - writable
        if stray:
            raise InvalidRecord(kind, {name: ["服务器字段，平板不能修改 (server-owned)"] for name in stray})
        with self.store.transaction() as conn:
            existing = self.get(kind, record_id)
            if create and existing is not None:
                raise ValueError(f"{kind} {record_id} 已存在 (already exists)")
            if not create and existing is None:
                raise LookupError(f"找不到 {kind} {record_id} (no such {kind})")
            record = existing or Record(kind, record_id, {}, {}, sync_state="pending")
            changed = [k for k, v in fields.items() if create or record.data.get(k) != v]
            if not changed:
                return record
            locked = [k for k in changed if k in CREATE_ONLY[kind] and record.on_server]
            if locked and not create:
                raise ImmutableField(f"{kind} 的字段 {', '.join(locked)} 创建后不能修改 (create-only)")
            free_changed = [k for k in changed if k in FREE[kind]]
            stamp = self.store.stamp() if free_changed else None
            for key in changed:
                record.data[key] = fields[key]
                if key in FREE[kind]:
                    record.clocks[key] = stamp
            record.sync_state = "pending"
            record.reject_code = record.reject_message = None
            self._save(conn, record)
            self.store.outbox.enqueue(kind, record_id, "upsert", changed)
            return record

    def delete(self, kind: str, record_id: str) -> None:
        """Delete a record made here by mistake; the server hears of it unless it never knew it."""
        with self.store.transaction() as conn:
            record = self.get(kind, str(record_id))
            if record is None:
                return
            conn.execute("DELETE FROM record WHERE kind = ? AND id = ?", (kind, record.id))
            if record.on_server or self.store.outbox.in_flight(kind, record.id):
                self.store.outbox.enqueue(kind, record.id, "delete", [])
            else:
                self.store.outbox.drop_open(kind, record.id)

    # -- remote changes -----------------------------------------------------------------------
    def apply_remote(self, kind: str, record_id: str, data: dict | None, clocks: dict | None,
                     server_seq: int = 0, deleted: bool = False) -> str:
        """Merge one record the server sent; returns what happened (for counting)."""
        record_id = str(record_id)
        clocks = clocks or {}
        if clocks:
            self.store.observe(clocks.values())
        with self.store.transaction() as conn:
            waiting = self.store.outbox.ops_for(kind, record_id)
            if deleted:
                if waiting:
                    return "kept"  # never drop what the server has not heard yet
                conn.execute("DELETE FROM record WHERE kind = ? AND id = ?", (kind, record_id))
                return "deleted"
            if "delete" in waiting:
                return "kept"
            existing = self.get(kind, record_id)
            if existing is None or not waiting:
                record = Record(kind, record_id, dict(data or {}), dict(clocks), server_seq, True,
                                "synced")
                if existing is not None and existing.sync_state == "rejected":
                    record.sync_state = "rejected"
                    record.reject_code = existing.reject_code
                    record.reject_message = existing.reject_message
                self._save(conn, record)
                return "stored"
            merged = self.merge(existing, data or {}, clocks)
            merged.server_seq = max(server_seq, existing.server_seq)
            merged.on_server = True
            self._save(conn, merged)
            return "merged"

    @staticmethod
    def merge(local: Record, data: dict, clocks: dict) -> Record:
        """The server's version, except free fields whose local stamp is newer (last writer wins)."""
        free = FREE.get(local.kind, frozenset())
        result = Record(local.kind, local.id, dict(local.data), dict(local.clocks), local.server_seq,
                        local.on_server, local.sync_state, local.reject_code, local.reject_message)
        for key, value in data.items():
            if key in free and local.clocks.get(key, "") > clocks.get(key, ""):
                continue
            result.data[key] = value
            if key in clocks:
                result.clocks[key] = clocks[key]
        return result

    def mark(self, kind: str, record_id: str, *, state: str, code: str | None = None,
             message: str | None = None, on_server: bool | None = None) -> None:
        sets = ["sync_state = ?", "reject_code = ?", "reject_message = ?", "updated_at = ?"]
        params: list[Any] = [state, code, message, now_wire()]
        if on_server is not None:
            sets.append("on_server = ?")
            params.append(int(on_server))
        self.store.conn.execute(
            f"UPDATE record SET {', '.join(sets)} WHERE kind = ? AND id = ?",
            (*params, kind, str(record_id)),
        )

    def absent_from(self, seen: set[tuple[str, str]], kinds: set[str]) -> list[tuple[str, str]]:
        """After a full bootstrap: server records of `kinds` held here that it no longer sends."""
        rows = self.store.conn.execute(
            "SELECT kind, id FROM record WHERE on_server = 1 AND sync_state = 'synced'").fetchall()
        return [(kind, record_id) for kind, record_id in rows
                if kind in kinds and (kind, record_id) not in seen]

    def remove_unless_waiting(self, keys: list[tuple[str, str]]) -> int:
        """Delete these records unless the outbox still holds something of theirs (or they changed
        since they were chosen): never drop what the server has not heard yet."""
        removed = 0
        for kind, record_id in keys:
            removed += self.store.conn.execute(
                "DELETE FROM record WHERE kind = ? AND id = ? AND on_server = 1 AND sync_state = 'synced' "
                "AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.kind = record.kind "
                "AND outbox.record_id = record.id)", (kind, record_id)).rowcount
        return removed

    @staticmethod
    def _save(conn: sqlite3.Connection, record: Record) -> None:
        conn.execute(
            """INSERT INTO record (kind, id, data, clocks, server_seq, on_server, sync_state,
                                   reject_code, reject_message, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (kind, id) DO UPDATE SET
                 data = excluded.data, clocks = excluded.clocks, server_seq = excluded.server_seq,
                 on_server = excluded.on_server, sync_state = excluded.sync_state,
                 reject_code = excluded.reject_code, reject_message = excluded.reject_message,
                 updated_at = excluded.updated_at""",
            (record.kind, record.id, _dumps(record.data), _dumps(record.clocks), record.server_seq,
             int(record.on_server), record.sync_state, record.reject_code, record.reject_message,
             now_wire()),
        )
