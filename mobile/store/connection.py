"""The tablet's SQLite database: one file in WAL mode, one connection per thread.

The UI thread and the sync thread each get their own connection, so a long read in one never
blocks the other; writers take the write lock at BEGIN IMMEDIATE and wait (busy_timeout) for
each other instead of failing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mobile.pinyin import initials
from mobile.store.migrations import migrate
from shared_schema.clock import HybridClock

DB_NAME = "tablet.sqlite3"


# How long a writer waits for another's transaction before giving up with StoreBusy. The sync
# keeps its transactions short (milliseconds), so a wait this long means something is wrong.
BUSY_TIMEOUT_MS = 10_000
BUSY_MESSAGE = "本机数据库正忙，请稍后再试，已保存的内容没有丢失 (the local database is busy: try again)"


def open_connection(path: Path, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    # isolation_level=None: the store issues BEGIN/COMMIT itself, so a transaction spans
    # exactly what the code says and nothing is committed behind its back.
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL mode: a committed transaction survives the app being killed (the case we
    # must survive); only a power cut can lose the last few commits. FULL would fsync on
    # every answer.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    # No automatic checkpoint: it would run inside whichever commit crosses the threshold — often
    # a tap on the UI thread, which then waits for the disk. Workers call Store.checkpoint().
    conn.execute("PRAGMA wal_autocheckpoint=0")
    # Used by the estate-search triggers (migration 2): initials are computed once, on write.
    conn.create_function("pinyin_initials", 1, initials, deterministic=True)
    return conn


class _WriterQueue:
    """Who in this process is waiting for the database's write lock.

    SQLite's busy handler polls with growing sleeps, so a thread that commits short transactions
    back to back (the sync applying a bootstrap in chunks) can win the lock again and again while
    the UI's write keeps sleeping. Background transactions therefore wait here first until no
    other thread is waiting: the UI's write goes next, behind at most one chunk."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.waiting = 0


_QUEUES: dict[Path, _WriterQueue] = {}
_QUEUES_LOCK = threading.Lock()
# A background writer gives way at most this long (a UI write normally takes well under 1 ms).
YIELD_SECONDS = 1.0


def _queue_for(path: Path) -> _WriterQueue:
    with _QUEUES_LOCK:
        return _QUEUES.setdefault(path.resolve(), _WriterQueue())


class Store:
    """The local database of one paired tablet, with its hybrid clock.

    `home` is the tablet's data folder: the database file and the photos folder live there.
    """

    def __init__(self, home: str | Path, wall: Callable[[], int] | None = None,
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.home = Path(home)
        self.busy_timeout_ms = busy_timeout_ms
        self.home.mkdir(parents=True, exist_ok=True)
        self.path = self.home / DB_NAME
        self._writers = _queue_for(self.path)
        self.photo_dir = self.home / "photos"
        self._local = threading.local()
        self._wall = wall
        self._clock_lock = threading.Lock()
        self._clock: HybridClock | None = None
        migrate(self.conn)
        from mobile.store.outbox import Outbox
        from mobile.store.photos import PhotoRepository
        from mobile.store.records import RecordRepository

        self.records = RecordRepository(self)
        self.outbox = Outbox(self)
        self.photos = PhotoRepository(self)

    # -- connections and transactions -------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = open_connection(self.path, self.busy_timeout_ms)
            self._local.conn = conn
            self._local.depth = 0
        return conn

    @contextmanager
    def transaction(self, background: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one. A `background` one (the sync
        applying pulled data in chunks, pruning) first lets waiting writers of this process go."""
        conn = self.conn
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        writers = self._writers
        if background:
            with writers.cond:
                writers.cond.wait_for(lambda: writers.waiting == 0, YIELD_SECONDS)
        with writers.cond:
            writers.waiting += 0 if background else 1
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(BUSY_MESSAGE) from None
            raise
        finally:
            if not background:
                with writers.cond:
                    writers.waiting -= 1
                    writers.cond.notify_all()
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            self._local.depth = 0
            conn.execute("ROLLBACK")
            self._reload_clock()
            raise
        else:
            self._local.depth = 0
            conn.execute("COMMIT")

    @property
    def in_write_transaction(self) -> bool:
        """True while this thread holds a write transaction (the sync checks it never waits on
        the network inside one)."""
        return self.conn.in_transaction

    def checkpoint(self) -> None:
        """Copy the WAL back into the database file (PASSIVE: never waits for, nor blocks, a
        writer). Called from worker threads — the sync after each phase, the photo queue after
        each photo — so the UI thread's commits stay small."""
        if not self.conn.in_transaction:
            self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- meta ---------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str | int | None) -> None:
        with self.transaction() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, str(value)),
                )

    # -- the hybrid clock ---------------------------------------------------------------------
    @property
    def clock(self) -> HybridClock:
        with self._clock_lock:
            if self._clock is None:
                self._clock = self._load_clock()
            return self._clock

    def _load_clock(self) -> HybridClock:
        device_id = self.get_meta("device_id")
        if not device_id:
            raise NotPaired("平板尚未配对 (this tablet is not paired)")
        node = device_id.replace("-", "")[:8].lower()
        return HybridClock(node, last=self.get_meta("hlc_last"), wall=self._wall)

    def _reload_clock(self) -> None:
        # A rolled-back transaction may have advanced the clock; that is harmless (stamps only
        # need to grow), but reloading keeps memory and disk telling the same story.
        with self._clock_lock:
            self._clock = None

    def stamp(self) -> str:
        """A fresh stamp for a local write, persisted in the current transaction."""
        value = self.clock.now()
        self.set_meta("hlc_last", value)
        return value

    def observe(self, stamps) -> None:
        clock = self.clock
        for stamp in stamps:
            if stamp:
                clock.observe(stamp)
        self.set_meta("hlc_last", clock.last)

    # -- identity -----------------------------------------------------------------------------
    @property
    def is_paired(self) -> bool:
        return bool(self.get_meta("device_id"))

    def forget_clock(self) -> None:
        self._reload_clock()


class StoreBusy(RuntimeError):
    """Another writer held the database longer than the busy timeout; nothing was written."""


class NotPaired(RuntimeError):
    """The tablet has no device identity yet; pair it first."""
