"""SQLite under `xuncha serve`: the write-ahead log copied into the database file by a thread
of its own, not by whichever request's commit crosses SQLite's 1,000-page mark.

That copy (read each page back from the log, write it into the database file, flush both) was
about a third of the system calls of a push of 500 records, paid inside the request that
happened to commit last. On its own thread it runs beside the requests: SQLite does the work
with the GIL released, and a PASSIVE checkpoint waits for no reader and no writer. The
connections keep a far-off automatic checkpoint as a backstop, so the log stays bounded even
if this thread stops or falls behind.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine

from server.domain.database import sqlite_file

log = logging.getLogger(__name__)

# Pages of 4 KB: the log may grow to about 40 MB before a committing request copies it itself.
BACKSTOP_PAGES = 10_000


class BackgroundCheckpoint:
    """After commits, at most one PASSIVE checkpoint per `interval` seconds, on its own thread."""

    def __init__(self, engine: Engine, interval: float = 0.2) -> None:
        path = sqlite_file(engine)
        if path is None:
            raise ValueError("a background checkpoint needs an SQLite database file")
        self.path = path
        self.interval = interval
        self.checkpoints = 0  # how many ran (for the tests and the curious)
        self._engine = engine
        self._committed = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> BackgroundCheckpoint:
        event.listen(self._engine, "connect", _far_backstop)
        # A connection back in the pool has committed (or rolled back): the engine's own "commit"
        # event comes before the COMMIT, too early for its pages to be in the log.
        event.listen(self._engine, "checkin", self._on_checkin)
        self._engine.dispose()  # connections opened before now get the backstop too
        self._thread.start()
        return self

    def stop(self) -> None:
        event.remove(self._engine, "checkin", self._on_checkin)
        event.remove(self._engine, "connect", _far_backstop)
        self._stopping.set()
        self._committed.set()
        self._thread.join(5)

    def _on_checkin(self, _dbapi_connection, _record) -> None:
        self._committed.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            last = 0.0
            while True:
                self._committed.wait()
                if self._stopping.is_set():
                    return
                # Commits in the next moment go into the same copy.
                if self._stopping.wait(max(0.0, last + self.interval - time.monotonic())):
                    return
                self._committed.clear()
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error as exc:  # the backstop still bounds the log
                    log.warning("WAL checkpoint failed: %s", exc)
                last = time.monotonic()
        finally:
            connection.close()


def start_background_checkpoint(engine: Engine) -> BackgroundCheckpoint | None:
    """Started for an SQLite database file; None for PostgreSQL (its own checkpointer does this)."""
    return BackgroundCheckpoint(engine).start() if sqlite_file(engine) else None


def _far_backstop(dbapi_connection, _record) -> None:
    dbapi_connection.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
