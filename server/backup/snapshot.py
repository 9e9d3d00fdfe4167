"""One backup folder holds any number of snapshots and one shared photo folder:

    OUT/LATEST                          name of the newest snapshot
    OUT/snapshots/<UTC time>/database.sqlite3 | database.pgdump
    OUT/snapshots/<UTC time>/manifest.json    photos (SHA-256 → content type), row counts
    OUT/photos/ab/abcd….jpg (+ .thumb.jpg)    every photo once, named by its hash

The database is copied first, as of one moment; then every photo the copy knows is copied
unless the folder already has it, so a second backup copies only the new ones. Photos are
only ever added, so the store holds every photo the copy names.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from server.backup.database import DatabaseCopyError, dialect_of, dump_database, load_database
from server.domain.models.base import utcnow
from server.extensions import db
from server.storage import Variant, get_photo_store

MANIFEST = "manifest.json"
FORMAT = 1
_DATABASE_FILE = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(RuntimeError):
    """The backup or restore cannot go on; one line for the operator."""


@dataclass
class BackupReport:
    snapshot: Path
    photos: int = 0
    photos_copied: int = 0
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class RestoreReport:
    snapshot: Path
    photos: int = 0
    rows: dict[str, int] = field(default_factory=dict)


def write_backup(app: Flask, out: Path, now: datetime | None = None) -> BackupReport:
    """A new snapshot of the app's database and photos in the folder `out`."""
    url = db.engine.url
    dialect = dialect_of(url)
    if dialect not in _DATABASE_FILE:
        raise BackupError(f"不支持备份 {dialect} 数据库 (unsupported database)")
    name = (now or utcnow()).strftime("%Y%m%dT%H%M%S%fZ")
    snapshot = out / "snapshots" / name
    try:
        snapshot.mkdir(parents=True)
        database_file = snapshot / _DATABASE_FILE[dialect]
        dump_database(url, database_file)
    except DatabaseCopyError as exc:
        raise BackupError(str(exc)) from None
    except OSError as exc:
        raise BackupError(f"无法写入备份目录 {out}：{exc.strerror} (cannot write the backup)") from None
    photos, rows = _contents(database_file) if dialect == "sqlite" else _live_contents()
    report = BackupReport(snapshot=snapshot, photos=len(photos), rows=rows)
    store = get_photo_store(app)
    for sha256, content_type in sorted(photos.items()):
        report.photos_copied += _copy_photo_out(store, out / "photos", sha256, content_type)
    manifest = {"format": FORMAT, "created_at": name, "dialect": dialect, "database": database_file.name,
                "photos": photos, "rows": rows}
    _write_json(snapshot / MANIFEST, manifest)
    (out / "LATEST.partial").write_text(name + "\n")
    os.replace(out / "LATEST.partial", out / "LATEST")
    return report


def restore_backup(app: Flask, source: Path, snapshot_name: str | None = None) -> RestoreReport:
    """Put a snapshot (the newest unless named) onto this instance, whose database must hold no
    office yet (fresh: at most `xuncha db upgrade` was run)."""
    snapshot = _find_snapshot(source, snapshot_name)
    manifest = json.loads((snapshot / MANIFEST).read_text())
    url = db.engine.url
    if manifest["dialect"] != dialect_of(url):
        raise BackupError(f"备份来自 {manifest['dialect']} 数据库，不能恢复到 {dialect_of(url)} "
                          "(the backup is of another kind of database)")
    _refuse_unless_fresh()
    photo_dir = source / "photos"
    missing = [sha for sha, kind in manifest["photos"].items()
               if not _photo_path(photo_dir, sha, kind).is_file()]
    if missing:
        raise BackupError(f"备份缺少{len(missing)}张照片，例如 {missing[0]} (photos missing from the backup)")
    db.session.remove()
    db.engine.dispose()  # no open connection may hold the file or the tables being replaced
    try:
        load_database(url, snapshot / manifest["database"])
    except DatabaseCopyError as exc:
        raise BackupError(str(exc)) from None
    store = get_photo_store(app)
    for sha256, content_type in manifest["photos"].items():
        _copy_photo_in(store, photo_dir, sha256, content_type)
    return RestoreReport(snapshot=snapshot, photos=len(manifest["photos"]), rows=_live_contents()[1])


def _contents(sqlite_file: Path) -> tuple[dict[str, str], dict[str, int]]:
    """The photos and row counts of a copied SQLite file (exactly what the copy holds)."""
    conn = sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True)
    try:
        photos = dict(conn.execute("SELECT sha256, content_type FROM photo WHERE stored").fetchall())
        rows = {table.name: conn.execute(f'SELECT count(*) FROM "{table.name}"').fetchone()[0]
                for table in db.metadata.sorted_tables}
    finally:
        conn.close()
    return photos, rows


def _live_contents() -> tuple[dict[str, str], dict[str, int]]:
    photo = db.metadata.tables["photo"]
    photos = dict(db.session.execute(sa.select(photo.c.sha256, photo.c.content_type)
                                     .where(photo.c.stored.is_(True))).all())
    rows = {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables}
    db.session.rollback()
    return photos, rows


def _refuse_unless_fresh() -> None:
    url = db.engine.url
    if dialect_of(url) == "sqlite" and not Path(url.database or "").exists():
        return  # no file yet: as fresh as it gets (the restore makes it)
    inspector = sa.inspect(db.engine)
    if "office" in inspector.get_table_names():
        offices = db.session.scalar(sa.text("SELECT count(*) FROM office"))
        db.session.rollback()
        if offices:
            raise BackupError("目标数据库已有数据，只能恢复到新的空实例（新建数据库后再恢复） "
                              "(the target database is not empty: restore onto a fresh instance)")


def _find_snapshot(source: Path, name: str | None) -> Path:
    if name is None:
        latest = source / "LATEST"
        if not latest.is_file():
            raise BackupError(f"{source} 不是备份目录（缺少 LATEST） (not a backup folder)")
        name = latest.read_text().strip()
    snapshot = source / "snapshots" / name
    if not (snapshot / MANIFEST).is_file():
        raise BackupError(f"找不到备份 {name} (snapshot not found)")
    return snapshot


_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png"}


def _photo_path(folder: Path, sha256: str, content_type: str, thumb: bool = False) -> Path:
    suffix = ".thumb.jpg" if thumb else _SUFFIX.get(content_type, ".bin")
    return folder / sha256[:2] / f"{sha256}{suffix}"


def _copy_photo_out(store, folder: Path, sha256: str, content_type: str) -> int:
    """1 if the photo was copied now, 0 if the folder had it (content addressing: same name,
    same bytes)."""
    target = _photo_path(folder, sha256, content_type)
    copied = 0
    if not target.is_file():
        with store.open(sha256) as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BackupError(f"照片 {sha256} 的内容与其哈希不符，照片存储已损坏 (photo store damaged)")
        _atomic_write(target, data)
        copied = 1
    thumb = _photo_path(folder, sha256, content_type, thumb=True)
    if not thumb.is_file() and store.exists(sha256, Variant.THUMB):
        with store.open(sha256, Variant.THUMB) as handle:
            _atomic_write(thumb, handle.read())
    return copied


def _copy_photo_in(store, folder: Path, sha256: str, content_type: str) -> None:
    data = _photo_path(folder, sha256, content_type).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise BackupError(f"备份中的照片 {sha256} 已损坏 (photo in the backup is damaged)")
    store.put_bytes(sha256, data, content_type)
    thumb = _photo_path(folder, sha256, content_type, thumb=True)
    if thumb.is_file():
        store.put_thumbnail(sha256, thumb.read_bytes())


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)


def _write_json(target: Path, value: dict) -> None:
    _atomic_write(target, json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode())
