"""The photo files the tablet holds: its own (waiting for upload, then uploaded) and fetched ones."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mobile.timeutil import now_wire

if TYPE_CHECKING:
    from mobile.store.connection import Store


@dataclass
class PhotoFile:
    sha256: str
    path: Path
    thumb_path: Path | None
    size: int
    width: int | None
    height: int | None
    taken_at: str | None
    latitude: float | None
    longitude: float | None
    state: str

    @classmethod
    def from_row(cls, row: sqlite3.Row, home: Path) -> PhotoFile:
        return cls(row["sha256"], home / row["path"], home / row["thumb_path"] if row["thumb_path"] else None,
                   row["size"], row["width"], row["height"], row["taken_at"], row["latitude"],
                   row["longitude"], row["state"])


# A local photo waits for upload only while some photo_link points to it: a link removed before
# the sync (a failed item turned to pass, a photo deleted on the form) leaves nothing to send.
LINKED = ("EXISTS (SELECT 1 FROM record l WHERE l.kind = 'photo_link' "
          "AND json_extract(l.data, '$.photo_sha256') = photo.sha256)")
WAITING = f"photo.state = 'local' AND {LINKED}"


class PhotoRepository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, sha256: str, path: Path, thumb_path: Path | None, size: int, width: int | None,
            height: int | None, taken_at: str | None = None, latitude: float | None = None,
            longitude: float | None = None, state: str = "local") -> None:
        """Register a photo file (idempotent: the same bytes are the same photo)."""
        home = self.store.home
        self.store.conn.execute(
            """INSERT INTO photo (sha256, path, thumb_path, size, width, height, taken_at, latitude,
                                  longitude, state, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING""",
            (sha256, str(Path(path).relative_to(home)),
             str(Path(thumb_path).relative_to(home)) if thumb_path else None, size, width, height,
             taken_at, latitude, longitude, state, now_wire()),
        )

    def get(self, sha256: str) -> PhotoFile | None:
        row = self.store.conn.execute("SELECT * FROM photo WHERE sha256 = ?", (sha256,)).fetchone()
        return PhotoFile.from_row(row, self.store.home) if row else None

    def is_uploaded(self, sha256: str) -> bool:
        row = self.store.conn.execute("SELECT state FROM photo WHERE sha256 = ?", (sha256,)).fetchone()
        # A link to a photo this tablet does not hold was pulled from the server: the bytes are there.
        return row is None or row[0] in ("uploaded", "remote")

    def waiting(self) -> list[PhotoFile]:
        return [PhotoFile.from_row(r, self.store.home) for r in self.store.conn.execute(
            f"SELECT * FROM photo WHERE {WAITING} ORDER BY created_at, sha256")]

    def waiting_bytes(self) -> int:
        return self.store.conn.execute(
            f"SELECT coalesce(sum(size), 0) FROM photo WHERE {WAITING}").fetchone()[0]

    def waiting_count(self) -> int:
        return self.store.conn.execute(f"SELECT count(*) FROM photo WHERE {WAITING}").fetchone()[0]

    def mark_uploaded(self, sha256: str) -> None:
        self.store.conn.execute("UPDATE photo SET state = 'uploaded' WHERE sha256 = ?", (sha256,))

    def mark_failed(self, sha256: str, reason: str) -> None:
        """The server refused the bytes for good; the reason is kept to show."""
        self.store.conn.execute(
            "UPDATE photo SET state = 'failed', upload_attempts = upload_attempts + 1, failure = ? "
            "WHERE sha256 = ?", (reason, sha256))

    def count(self, state: str | None = None) -> int:
        if state is None:
            return self.store.conn.execute("SELECT count(*) FROM photo").fetchone()[0]
        return self.store.conn.execute("SELECT count(*) FROM photo WHERE state = ?", (state,)).fetchone()[0]
