"""The orchestrator: pull → apply → push → photos → push again, with retries and progress.

Every phase is idempotent and commits its own progress, so the answer to any failure (a
dropped connection, a server restart, the app being killed) is to run the phase again. A
transient failure is retried with exponential backoff and full jitter, so a hundred tablets
that lost the office Wi-Fi together do not return in lock-step.
"""

from __future__ import annotations

import logging
import random
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mobile.store import Store
from mobile.sync import photos, pull, push
from mobile.sync.apply import PushOutcome
from mobile.sync.transport import DeviceRevoked, PleaseUpdate, TransientError, Transport
from mobile.timeutil import now_wire
from shared_schema import SCHEMA_VERSION

log = logging.getLogger(__name__)


@dataclass
class Progress:
    phase: str  # bootstrap | pull | push | photos | waiting | done | failed
    done: int = 0
    total: int | None = None
    bytes_done: int = 0  # for photos: bytes of photos uploaded; otherwise bytes on the wire
    bytes_total: int | None = None
    message: str = ""


@dataclass
class RetryPolicy:
    attempts: int = 8
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None,
              rng: random.Random | None = None) -> float:
        """Full jitter: a random wait between 0 and the exponential ceiling (at least Retry-After)."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        wait = (rng or random).uniform(0, ceiling)
        return max(wait, retry_after or 0.0)


@dataclass
class SyncReport:
    pulled: int = 0
    pushed: PushOutcome = field(default_factory=PushOutcome)
    photos_uploaded: int = 0
    retries: int = 0
    seconds: float = 0.0
    bytes_sent: int = 0
    bytes_received: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"pulled": self.pulled, "accepted": self.pushed.accepted, "conflicts": self.pushed.conflicts,
                "rejected": self.pushed.rejected, "deferred": self.pushed.deferred,
                "photos_uploaded": self.photos_uploaded, "retries": self.retries,
                "seconds": round(self.seconds, 3), "bytes_sent": self.bytes_sent,
                "bytes_received": self.bytes_received, "messages": self.pushed.messages[:20]}


class SyncBlocked(Exception):
    """Syncing is stopped until the app is updated (the server said please_update)."""


@dataclass
class SyncContext:
    store: Store
    transport: Transport
    on_progress: Callable[[Progress], None] | None = None

    def report(self, phase: str, done: int = 0, total: int | None = None, *, bytes_done: int | None = None,
               bytes_total: int | None = None, message: str = "") -> None:
        if self.on_progress is None:
            return
        if bytes_done is None:
            bytes_done = self.transport.bytes_sent + self.transport.bytes_received
        self.on_progress(Progress(phase, done, total, bytes_done, bytes_total, message))


class SyncEngine:
    def __init__(self, store: Store, transport: Transport,
                 on_progress: Callable[[Progress], None] | None = None,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], Any] | None = None) -> None:
        self.store = store
        self.transport = transport
        self.ctx = SyncContext(store, transport, on_progress)
        self.retry = retry or RetryPolicy()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._sleep = sleep or self._stop.wait
        self._thread: threading.Thread | None = None
        self._run_lock = threading.Lock()
        self.last_error: Exception | None = None
        self.last_report: SyncReport | None = None

    # -- one sync -----------------------------------------------------------------------------
    def run(self) -> SyncReport:
        """One complete sync. Raises SyncBlocked, DeviceRevoked (after wiping) or the last
        TransientError when retries ran out."""
        with self._run_lock:
            return self._run()

    def _run(self) -> SyncReport:
        if self.store.get_meta("blocked_schema") == str(SCHEMA_VERSION):
            raise SyncBlocked("应用版本过旧，请更新后再同步 (please update the app)")
        report = SyncReport()
        started = time.monotonic()
        try:
            report.pulled = self._phase("pull", pull.run, report)
            first = self._phase("push", push.run, report)
            report.photos_uploaded = self._phase("photos", photos.run, report)
            # Links deferred because their photo had not arrived go again now.
            second = self._phase("push", push.run, report)
            if first.accepted + first.conflicts + second.accepted + second.conflicts:
                # What the server decided from our push (scores, closed findings, done
                # revisits) comes back now rather than at the next sync.
                report.pulled += self._phase("pull", pull.run, report)
        except PleaseUpdate as exc:
            self.store.set_meta("blocked_schema", SCHEMA_VERSION)
            self.ctx.report("failed", message=exc.message)
            raise SyncBlocked(exc.message) from exc
        except DeviceRevoked as exc:
            self.ctx.report("failed", message=exc.message)
            wipe(self.store)
            raise
        for outcome in (first, second):
            report.pushed.accepted += outcome.accepted
            report.pushed.conflicts += outcome.conflicts
            report.pushed.rejected += outcome.rejected
            report.pushed.messages += outcome.messages
        report.pushed.deferred = second.deferred
        report.seconds = time.monotonic() - started
        report.bytes_sent = self.transport.bytes_sent
        report.bytes_received = self.transport.bytes_received
        self.store.set_meta("last_sync_at", now_wire())
        self.last_report = report
        self.ctx.report("done", 1, 1)
        return report

    def _phase(self, name: str, step: Callable[[SyncContext], Any], report: SyncReport) -> Any:
        attempt = 0
        while True:
            try:
                self.ctx.report(name)
                return step(self.ctx)
            except TransientError as exc:
                attempt += 1
                if attempt >= self.retry.attempts or self._stop.is_set():
                    raise
                report.retries += 1
                delay = self.retry.delay(attempt, exc.retry_after)
                log.info("sync %s failed (%s); retry %d in %.1fs", name, exc.message, attempt, delay)
                self.ctx.report("waiting", attempt, self.retry.attempts, message=f"{name}: {exc.message}")
                self._sleep(delay)

    # -- in the background --------------------------------------------------------------------
    def start(self, interval: float = 300.0) -> None:
        """Sync now and then every `interval` seconds (or when `trigger()` is called)."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="xuncha-sync", daemon=True)
        self._thread.start()

    def trigger(self) -> None:
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def _loop(self, interval: float) -> None:
        while not self._stop.is_set():
            try:
                self.run()
                self.last_error = None
            except (SyncBlocked, DeviceRevoked) as exc:
                self.last_error = exc
                return
            except Exception as exc:  # noqa: BLE001 - the worker must outlive any one failure
                log.exception("sync failed")
                self.last_error = exc
            finally:
                self.store.close()  # this thread's connection
            self._wake.wait(interval)
            self._wake.clear()


def wipe(store: Store) -> None:
    """Delete everything the tablet holds: records, outbox, photos, identity and token.

    Rows go in one transaction (a kill leaves all or nothing), then the photo files; the
    tablet is back at the pairing screen.
    """
    with store.transaction() as conn:
        for table in ("record", "outbox", "push_batch", "photo", "meta"):
            conn.execute(f"DELETE FROM {table}")
    store.forget_clock()
    store.conn.execute("VACUUM")
    shutil.rmtree(store.photo_dir, ignore_errors=True)
