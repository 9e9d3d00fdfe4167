"""Keeping the tablet's storage in bounds: what may go once the server has it, and how much is used.

The rule (prune(keep_days=30)):
- photos this tablet took and the server confirmed (`uploaded`) go after `keep_days`, except the
  evidence of a finding that is still open or has a pending revisit (the inspector compares on site);
- photos fetched for a revisit (`remote`) go once no pending revisit needs them;
- photos no record links to (a cancelled capture, a failed item turned to pass) go after an hour;
- closed history goes after `keep_days`: finished or cancelled inspections with their answers,
  closed findings, done revisits, and the photo links of all of these — only when fully synced
  (nothing of it in the outbox). A later bootstrap would not send them either.
Nothing waiting for upload, nothing in the outbox and nothing still open is ever removed.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from mobile.store import Store
from mobile.store.photos import LINKED
from mobile.timeutil import _as_utc, to_wire

ORPHAN_GRACE = timedelta(hours=1)
CHUNK = 200  # rows per transaction: the UI never waits long behind a prune

# Photos an open matter still needs (evidence of an open finding, photos of a pending revisit).
_NEEDED = """EXISTS (SELECT 1 FROM record l WHERE l.kind = 'photo_link'
                AND json_extract(l.data, '$.photo_sha256') = photo.sha256
                AND (json_extract(l.data, '$.finding_id') IN (
                       SELECT f.id FROM record f WHERE f.kind = 'finding'
                         AND coalesce(json_extract(f.data, '$.status'), 'open') != 'closed')
                     OR json_extract(l.data, '$.revisit_id') IN (
                       SELECT r.id FROM record r WHERE r.kind = 'revisit'
                         AND coalesce(json_extract(r.data, '$.status'), 'pending') = 'pending')
                     OR json_extract(l.data, '$.rectification_id') IN (
                       SELECT x.id FROM record x WHERE x.kind = 'rectification'
                         AND json_extract(x.data, '$.finding_id') IN (
                           SELECT json_extract(r.data, '$.finding_id') FROM record r WHERE r.kind = 'revisit'
                             AND coalesce(json_extract(r.data, '$.status'), 'pending') = 'pending'))))"""

# Closed history, oldest first: (kind, SQL condition on the record `r`, given the cut-off time).
_CLOSED = (
    ("inspection", "json_extract(r.data, '$.status') IN ('finished', 'cancelled') "
                   "AND coalesce(json_extract(r.data, '$.finished_at'), "
                   "json_extract(r.data, '$.started_at')) < :cut"),
    ("finding", "json_extract(r.data, '$.status') = 'closed' AND json_extract(r.data, '$.closed_at') < :cut"),
    ("revisit", "json_extract(r.data, '$.status') IN ('done', 'cancelled') "
                "AND coalesce(json_extract(r.data, '$.done_at'), '') < :cut"),
)


@dataclass
class PruneReport:
    photos: int = 0
    bytes_freed: int = 0
    records: int = 0


def prune(store: Store, keep_days: int = 30, now: datetime | str | None = None) -> PruneReport:
    """Apply the rule above; safe to call at any time (the settings screen, after a sync)."""
    now_utc = _as_utc(now)
    cut = to_wire(now_utc - timedelta(days=keep_days))
    report = PruneReport()
    photo_sql = (
        f"SELECT sha256, path, thumb_path FROM photo WHERE "
        f"(state = 'uploaded' AND created_at < :cut AND NOT {_NEEDED}) "
        f"OR (state = 'remote' AND NOT {_NEEDED}) "
        f"OR (state = 'local' AND created_at < :orphan AND NOT {LINKED})")
    rows = store.conn.execute(photo_sql, {"cut": cut, "orphan": to_wire(now_utc - ORPHAN_GRACE)}).fetchall()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        with store.transaction(background=True) as conn:
            conn.executemany("DELETE FROM photo WHERE sha256 = ?", [(r["sha256"],) for r in chunk])
        # Files go after their rows: a kill in between leaves files nobody points to, never a row
        # pointing at a missing file.
        for row in chunk:
            for rel in (row["path"], row["thumb_path"]):
                report.bytes_freed += _unlink(store.home / rel) if rel else 0
        report.photos += len(chunk)
    for kind, condition in _CLOSED:
        report.records += _prune_records(store, kind, condition, cut)
    return report


def _prune_records(store: Store, kind: str, condition: str, cut: str) -> int:
    synced = ("r.sync_state = 'synced' AND NOT EXISTS "
              "(SELECT 1 FROM outbox o WHERE o.kind = r.kind AND o.record_id = r.id)")
    ids = [row[0] for row in store.conn.execute(
        f"SELECT r.id FROM record r WHERE r.kind = :kind AND {condition} AND {synced}",
        {"kind": kind, "cut": cut})]
    child_key = {"inspection": "inspection_id", "finding": "finding_id", "revisit": "revisit_id"}[kind]
    removed = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        with store.transaction(background=True) as conn:
            for record_id in chunk:
                if kind == "inspection":
                    removed += conn.execute(
                        f"DELETE FROM record AS r WHERE r.kind = 'answer' "
                        f"AND json_extract(r.data, '$.inspection_id') = ? AND {synced}",
                        (record_id,)).rowcount
                removed += conn.execute(
                    f"DELETE FROM record AS r WHERE r.kind = 'photo_link' "
                    f"AND json_extract(r.data, '$.{child_key}') = ? AND {synced}", (record_id,)).rowcount
                removed += conn.execute(
                    f"DELETE FROM record AS r WHERE r.kind = ? AND r.id = ? AND {synced}",
                    (kind, record_id)).rowcount
    return removed


def _unlink(path: Path) -> int:
    try:
        size = path.stat().st_size
        path.unlink()
        return size
    except FileNotFoundError:
        return 0


def storage_used(store: Store) -> int:
    """Bytes the tablet's data takes: the database (with its WAL) and every photo file."""
    total = 0
    for name in (store.path.name, store.path.name + "-wal", store.path.name + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            total += (store.home / name).stat().st_size
    for root, _dirs, files in os.walk(store.photo_dir):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(os.path.join(root, name)).st_size
    return total
