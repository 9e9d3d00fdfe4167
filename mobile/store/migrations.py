"""The tablet's own schema, versioned with SQLite's user_version.

Each migration is a list of statements run in one transaction with the version bump, so a
tablet killed mid-upgrade starts the same migration again. Append new versions; never edit
a released one.
"""

from __future__ import annotations

import sqlite3

# Records of every kind share one table: their shapes live in shared_schema.records and reach
# the tablet as JSON, so a new server field needs no tablet migration. The few columns the
# tablet filters on are indexed expressions over that JSON.
_V1 = [
    """CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE record (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT NOT NULL,
        clocks TEXT NOT NULL DEFAULT '{}',
        server_seq INTEGER NOT NULL DEFAULT 0,
        -- 1 once the server has the record (pulled, or a push was accepted)
        on_server INTEGER NOT NULL DEFAULT 0,
        -- synced | pending | rejected
        sync_state TEXT NOT NULL DEFAULT 'synced',
        reject_code TEXT,
        reject_message TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
    "CREATE INDEX ix_record_estate ON record (kind, json_extract(data, '$.estate_id'))",
    "CREATE INDEX ix_record_inspection ON record (kind, json_extract(data, '$.inspection_id'))",
    "CREATE INDEX ix_record_finding ON record (kind, json_extract(data, '$.finding_id'))",
    "CREATE INDEX ix_record_answer ON record (kind, json_extract(data, '$.answer_id'))",
    "CREATE INDEX ix_record_revisit ON record (kind, json_extract(data, '$.revisit_id'))",
    "CREATE INDEX ix_record_template ON record (kind, json_extract(data, '$.template_id'))",
    "CREATE INDEX ix_record_section ON record (kind, json_extract(data, '$.section_id'))",
    "CREATE INDEX ix_record_state ON record (sync_state) WHERE sync_state != 'synced'",
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        record_id TEXT NOT NULL,
        op TEXT NOT NULL DEFAULT 'upsert',
        fields TEXT NOT NULL DEFAULT '[]',
        -- set, in the same transaction that stores the batch body, before the batch is sent
        batch_id TEXT,
        -- pending | deferred
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_code TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    # Repeated edits of one record coalesce into its one entry that is not yet in a batch.
    "CREATE UNIQUE INDEX ux_outbox_open ON outbox (kind, record_id) WHERE batch_id IS NULL",
    "CREATE INDEX ix_outbox_batch ON outbox (batch_id)",
    """CREATE TABLE push_batch (
        batch_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        records INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        sent_count INTEGER NOT NULL DEFAULT 0
    )""",
    """CREATE TABLE photo (
        sha256 TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        thumb_path TEXT,
        size INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        taken_at TEXT,
        latitude REAL,
        longitude REAL,
        -- local: made on this tablet and waiting for upload; uploaded; remote: fetched
        state TEXT NOT NULL DEFAULT 'local',
        upload_attempts INTEGER NOT NULL DEFAULT 0,
        failure TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX ix_photo_state ON photo (state)",
]

# Estate search: a narrow table kept by triggers, with the pinyin initials computed once when an
# estate is stored (pinyin_initials is registered on every connection, see connection.py), so a
# search reads short text columns instead of parsing 12,000 JSON rows. `seen` remembers which
# pulled items (revisits) the inspector has opened, for unread counts.
_ESTATE_SEARCH_ROW = """(new.id, coalesce(json_extract(new.data, '$.name'), ''),
    coalesce(json_extract(new.data, '$.address'), ''),
    pinyin_initials(coalesce(json_extract(new.data, '$.name'), '')),
    json_extract(new.data, '$.region_id'), json_extract(new.data, '$.company_id'))"""
_V2 = [
    """CREATE TABLE estate_search (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        address TEXT NOT NULL,
        initials TEXT NOT NULL,
        region_id TEXT,
        company_id TEXT
    )""",
    "CREATE INDEX ix_estate_search_initials ON estate_search (initials, name)",
    "CREATE INDEX ix_record_photo ON record (kind, json_extract(data, '$.photo_sha256'))",
    "CREATE INDEX ix_record_rectification ON record (kind, json_extract(data, '$.rectification_id'))",
    f"""CREATE TRIGGER tr_estate_search_insert AFTER INSERT ON record WHEN new.kind = 'estate' BEGIN
        DELETE FROM estate_search WHERE id = new.id;
        INSERT INTO estate_search (id, name, address, initials, region_id, company_id)
        VALUES {_ESTATE_SEARCH_ROW}; END""",
    f"""CREATE TRIGGER tr_estate_search_update AFTER UPDATE OF data ON record WHEN new.kind = 'estate' BEGIN
        DELETE FROM estate_search WHERE id = new.id;
        INSERT INTO estate_search (id, name, address, initials, region_id, company_id)
        VALUES {_ESTATE_SEARCH_ROW}; END""",
    """CREATE TRIGGER tr_estate_search_delete AFTER DELETE ON record WHEN old.kind = 'estate' BEGIN
        DELETE FROM estate_search WHERE id = old.id; END""",
    """INSERT INTO estate_search (id, name, address, initials, region_id, company_id)
       SELECT id, coalesce(json_extract(data, '$.name'), ''), coalesce(json_extract(data, '$.address'), ''),
              pinyin_initials(coalesce(json_extract(data, '$.name'), '')),
              json_extract(data, '$.region_id'), json_extract(data, '$.company_id')
       FROM record WHERE kind = 'estate'""",
    """CREATE TABLE seen (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    )""",
]

MIGRATIONS: list[list[str]] = [_V1, _V2]
LATEST = len(MIGRATIONS)


class StoreTooNew(RuntimeError):
    """The database was written by a newer app version; an older app must not touch it."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to LATEST; return the version it was at."""
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    if start > LATEST:
        raise StoreTooNew(f"本地数据库版本 {start} 高于应用支持的 {LATEST}"
                          " (local database is newer than the app)")
    for version in range(start + 1, LATEST + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return start
