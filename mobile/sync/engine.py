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

from mobile.store import Store, StoreBusy
from mobile.sync import photos, pull, push
from mobile.sync.apply import APPLY_CHUNK, BOOTSTRAP_SPOOL, IncompleteStream, PushOutcome
from mobile.sync.transport import (
    DeviceRevoked,
    Offline,
    PleaseUpdate,
    RequestRefused,
    SyncError,
    TransientError,
    Transport,
    Unauthorized,
)
from mobile.timeutil import now_wire
from shared_schema import SCHEMA_VERSION

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """What a sync is doing, for a status bar. `bytes_done` is bytes on the wire in this run (it
    only grows); `bytes_total` is known in the photo phase (the bytes still to upload added on).
    `done`/`total` count records (bootstrap, push), change numbers (pull) or photos; `seconds` is
    the retry delay while `waiting`. `message` is Chinese first."""

    phase: str  # bootstrap | pull | push | photos | waiting | done | failed | cancelled
    done: int = 0
    total: int | None = None
    bytes_done: int = 0
    bytes_total: int | None = None
    message: str = ""
    seconds: float | None = None


@dataclass
class RetryPolicy:
    attempts: int = 8
    base: float = 0.5
    cap: float = 30.0
    # A server that cannot be connected to at all is tried this often, not `attempts` times:
    # the inspector learns "offline" in seconds, and the next trigger (network back) tries again.
    offline_attempts: int = 1

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


class SyncCancelled(Exception):
    """cancel() was called; what was already applied stays, the rest waits for the next sync."""


@dataclass
class SyncContext:
    store: Store
    transport: Transport
    on_progress: Callable[[Progress], None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    server_change_seq: int | None = None  # the server's newest change number, from /health
    apply_chunk: int = APPLY_CHUNK  # rows per write transaction when applying pulled data
    _base_bytes: int = 0
    _base_sent: int = 0

    def start_run(self) -> None:
        self._base_bytes = self.wire_bytes_total()
        self._base_sent = self.transport.bytes_sent
        self.server_change_seq = None

    def run_bytes_sent(self) -> int:
        return self.transport.bytes_sent - self._base_sent

    def wire_bytes_total(self) -> int:
        return self.transport.bytes_sent + self.transport.bytes_received

    def run_bytes(self) -> int:
        """Bytes on the wire since this run began."""
        return self.wire_bytes_total() - self._base_bytes

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise SyncCancelled("同步已取消 (sync cancelled)")

    def report(self, phase: str, done: int = 0, total: int | None = None, *,
               bytes_total: int | None = None, message: str = "", seconds: float | None = None) -> None:
        if self.on_progress is None:
            return
        done_bytes = self.run_bytes()
        if bytes_total is not None:
            bytes_total = max(bytes_total, done_bytes)
        self.on_progress(Progress(phase, done, total, done_bytes, bytes_total, message, seconds))


class SyncEngine:
    def __init__(self, store: Store, transport: Transport,
                 on_progress: Callable[[Progress], None] | None = None,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], Any] | None = None) -> None:
        self.store = store
        self.transport = transport
        self.ctx = SyncContext(store, transport, on_progress)
        self.retry = retry or RetryPolicy()
        self._stop = threading.Event()
        self._wake = threading.Event()  # the background loop: sync now
        self._nudge = threading.Event()  # a back-off wait: stop waiting
        self._sleep = sleep or self._nudge.wait
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
        ctx = self.ctx
        ctx.cancelled.clear()
        ctx.start_run()
        try:
            self._phase("pull", self._connect, report)
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
            ctx.report("failed", message=failure_message(exc))
            raise SyncBlocked(exc.message) from exc
        except DeviceRevoked as exc:
            ctx.report("failed", message=failure_message(exc))
            wipe(self.store)
            raise
        except SyncCancelled as exc:
            ctx.report("cancelled", message=str(exc))
            raise
        except Exception as exc:
            ctx.report("failed", message=failure_message(exc))
            raise
        for outcome in (first, second):
            report.pushed.accepted += outcome.accepted
            report.pushed.conflicts += outcome.conflicts
            report.pushed.rejected += outcome.rejected
            report.pushed.messages += outcome.messages
        report.pushed.deferred = second.deferred
        report.seconds = time.monotonic() - started
        report.bytes_sent = ctx.run_bytes_sent()
        report.bytes_received = ctx.run_bytes() - report.bytes_sent
        self.store.set_meta("last_sync_at", now_wire())
        self.last_report = report
        ctx.report("done", 1, 1, message="同步完成 (synced)")
        return report

    def _connect(self, ctx: SyncContext) -> None:
        """One cheap request first: no server is known in one connect timeout, and the server's
        newest change number gives the pull its total."""
        health = ctx.transport.health()
        seq = health.get("change_seq") if isinstance(health, dict) else None
        ctx.server_change_seq = int(seq) if isinstance(seq, int) else None

    def _phase(self, name: str, step: Callable[[SyncContext], Any], report: SyncReport) -> Any:
        attempt = 0
        while True:
            self.ctx.check_cancelled()
            try:
                self.ctx.report(name)
                result = step(self.ctx)
                self.store.checkpoint()
                return result
            except TransientError as exc:
                attempt += 1
                limit = self.retry.offline_attempts if isinstance(exc, Offline) else self.retry.attempts
                if attempt >= limit or self._stop.is_set():
                    raise
                report.retries += 1
                delay = self.retry.delay(attempt, exc.retry_after)
                log.info("sync %s failed (%s); retry %d in %.1fs", name, exc.message, attempt, delay)
                self.ctx.report("waiting", attempt, limit, seconds=delay,
                                message=f"{failure_message(exc)}：{delay:.0f} 秒后重试 (retrying)")
                self._nudge.clear()
                self._sleep(delay)

    def cancel(self) -> None:
        """Stop the current run at its next step (a chunk, a page, a photo, a back-off wait)."""
        self.ctx.cancelled.set()
        self._nudge.set()

    # -- in the background --------------------------------------------------------------------
    def start(self, interval: float = 300.0) -> None:
        """Sync now and then every `interval` seconds (or when `trigger()` is called)."""
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="xuncha-sync", daemon=True)
        self._thread.start()

    def trigger(self) -> None:
        """Sync now: wakes the background loop, or cuts short the back-off wait of a running sync."""
        self._wake.set()
        self._nudge.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self.ctx.cancelled.set()
        self._wake.set()
        self._nudge.set()
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
            except SyncCancelled:
                self.last_error = None
            except SyncError as exc:  # offline, a refusal: expected, shown through progress
                log.info("sync did not finish: %s", exc.message)
                self.last_error = exc
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
        for table in ("record", "outbox", "push_batch", "photo", "meta", "seen", "estate_search"):
            conn.execute(f"DELETE FROM {table}")
    store.forget_clock()
    store.conn.execute("VACUUM")
    shutil.rmtree(store.photo_dir, ignore_errors=True)
    (store.home / BOOTSTRAP_SPOOL).unlink(missing_ok=True)


REVOKED = "此平板已被停用，本机数据已清除，请重新配对 (tablet revoked; its data was wiped: pair again)"


def failure_message(exc: BaseException) -> str:
    """The one line (Chinese first) a person sees for why a request to the server did not work:
    the sync's status, and the app's toasts through `mobile.explain`, which adds the local errors."""
    if isinstance(exc, Offline):
        return "离线：连不上服务器，请检查网络和服务器地址 (offline: cannot reach the server)"
    if isinstance(exc, DeviceRevoked):
        return REVOKED
    if isinstance(exc, PleaseUpdate | SyncBlocked):
        return "应用版本过旧，请更新后再同步，数据都在本机 (please update the app; your data is kept)"
    if isinstance(exc, Unauthorized):
        return "登录已失效，请重新配对 (the device token was refused: pair again)"
    if isinstance(exc, SyncCancelled):
        return "同步已取消 (sync cancelled)"
    if isinstance(exc, TransientError):
        if exc.status and exc.status >= 500:
            return f"服务器暂时不可用，稍后自动重试 (server error {exc.status})"
        return f"网络不稳定，连接中断 (the connection broke): {exc.message}"
    if isinstance(exc, RequestRefused):
        if exc.status == 404 and exc.code == "http_404":
            return "该地址不是巡查服务器：可能需要先登录无线网络，或地址有误 (not the Xuncha server)"
        return f"服务器拒绝了请求 (refused): {exc.message}"
    if isinstance(exc, SyncError):
        return exc.message
    if isinstance(exc, IncompleteStream):
        return "基础数据下载不完整，下次同步会重新下载 (bootstrap incomplete; it will be fetched again)"
    if isinstance(exc, StoreBusy):
        return str(exc)
    if isinstance(exc, OSError):
        return f"本机存储出错 (storage error): {exc.strerror or exc}"
    return f"同步失败 (sync failed): {type(exc).__name__}"
