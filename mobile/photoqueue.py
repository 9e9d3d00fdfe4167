"""Photo work off the UI thread: capture → process (mobile/photos) → link, on one or two workers.

Memory stays bounded: at most `workers` photos are decoded at once (a 12 MP photo costs ~30 MB
while processed), and at most `max_waiting` wait their turn (submit refuses more with a readable
message instead of queueing without end). Callbacks run on the worker thread; the UI wraps them
in Clock.schedule_once.

A photo must never be uploaded once its purpose is gone: a cancelled ticket is not linked (and
its files are removed when no other record uses the same bytes), and the sync uploads only photos
that some photo_link still points to (see store/photos.py), so a failed item turned to pass —
which deletes its unsent links — leaves nothing to upload.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mobile.photos import PhotoError, ProcessedPhoto, process_photo
from mobile.store import Store

log = logging.getLogger(__name__)

WAITING = "waiting"
PROCESSING = "processing"
ATTACHING = "attaching"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"


class PhotoQueueFull(RuntimeError):
    """Too many photos wait for processing; the inspector should wait a moment."""


@dataclass(eq=False)
class Ticket:
    """One submitted photo; `state` moves waiting → processing → attaching → done | failed, or to
    cancelled before attaching."""

    id: int
    key: str | None = None
    state: str = WAITING
    photo: ProcessedPhoto | None = None
    result: Any = None  # what `attach` returned (e.g. the photo_link record)
    error: Exception | None = None
    _finished: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the ticket is finished (tests and the CLI; never on the UI thread)."""
        return self._finished.wait(timeout)

    @property
    def finished(self) -> bool:
        return self._finished.is_set()


@dataclass(eq=False)
class _Job:
    ticket: Ticket
    source: bytes | str | Path
    attach: Callable[[ProcessedPhoto], Any]
    estate: str
    location: str
    on_done: Callable[[Ticket], Any] | None
    on_error: Callable[[Ticket], Any] | None


class PhotoQueue:
    def __init__(self, store: Store, workers: int = 1, max_waiting: int = 8,
                 process: Callable[..., ProcessedPhoto] = process_photo) -> None:
        if workers not in (1, 2):
            raise ValueError("workers must be 1 or 2 (each photo costs ~30 MB while processed)")
        self.store = store
        self._process = process
        self._jobs: queue.Queue[_Job | None] = queue.Queue(maxsize=max_waiting)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._open: dict[int, Ticket] = {}
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"xuncha-photo-{n}", daemon=True)
                         for n in range(workers)]
        for thread in self._threads:
            thread.start()

    # -- the UI's calls -------------------------------------------------------------------------
    def submit(self, source: bytes | str | Path, *, attach: Callable[[ProcessedPhoto], Any],
               estate: str = "", location: str = "", on_done: Callable[[Ticket], Any] | None = None,
               on_error: Callable[[Ticket], Any] | None = None, key: str | None = None) -> Ticket:
        """Queue a camera photo. `attach(photo)` links it (e.g. `checklist.attach_photo(item, p)`)
        on the worker; `key` (e.g. the item id) lets `cancel_key` drop every photo of one purpose.
        Raises PhotoQueueFull when `max_waiting` photos already wait."""
        if self._closed:
            raise RuntimeError("照片队列已关闭 (photo queue is shut down)")
        ticket = Ticket(next(self._ids), key)
        job = _Job(ticket, source, attach, estate, location, on_done, on_error)
        with self._lock:
            self._open[ticket.id] = ticket
        try:
            self._jobs.put_nowait(job)
        except queue.Full:
            with self._lock:
                self._open.pop(ticket.id, None)
            raise PhotoQueueFull("照片正在处理，请稍候再拍 (photos are still being processed)") from None
        return ticket

    def cancel(self, ticket: Ticket) -> bool:
        """Drop a photo not yet linked; True if it will not be linked. A photo already linked stays
        (delete its photo_link instead: an unlinked photo is never uploaded)."""
        with self._lock:
            if ticket.state in (ATTACHING, DONE, FAILED, CANCELLED):
                return ticket.state == CANCELLED
            processing = ticket.state == PROCESSING
            ticket.state = CANCELLED
            self._open.pop(ticket.id, None)
        if not processing:  # a photo being processed is finished (and discarded) by its worker
            ticket._finished.set()
        return True

    def cancel_key(self, key: str) -> int:
        """Cancel every unfinished photo submitted with `key` (an item turned from fail to pass)."""
        with self._lock:
            tickets = [t for t in self._open.values() if t.key == key]
        return sum(self.cancel(t) for t in tickets)

    def pending(self) -> int:
        """Photos submitted and not finished (waiting or being processed)."""
        with self._lock:
            return len(self._open)

    def shutdown(self, wait: bool = True, timeout: float | None = 30.0) -> None:
        """Cancel what still waits, let the photos being processed finish, stop the workers."""
        self._closed = True
        with self._lock:
            waiting = [t for t in self._open.values() if t.state == WAITING]
        for ticket in waiting:
            self.cancel(ticket)
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join(timeout)

    # -- the workers ----------------------------------------------------------------------------
    def _work(self) -> None:
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                self._run(job)
        finally:
            self.store.close()  # this worker's own connection

    def _run(self, job: _Job) -> None:
        ticket = job.ticket
        with self._lock:
            if ticket.state == CANCELLED:
                return
            ticket.state = PROCESSING
        try:
            photo = self._process(job.source, self.store.photo_dir, estate=job.estate, location=job.location)
            ticket.photo = photo
            with self._lock:
                cancelled = ticket.state == CANCELLED
                if not cancelled:
                    ticket.state = ATTACHING  # from here on, cancel() is too late
            if cancelled:
                self._discard(photo)
                ticket._finished.set()
                return
            ticket.result = job.attach(photo)
            self.store.checkpoint()  # here on the worker, not in a later commit on the UI thread
        except Exception as exc:  # noqa: BLE001 - every failure goes to on_error, none kills the worker
            ticket.error = exc
            self._finish(ticket, FAILED)
            if not isinstance(exc, PhotoError | ValueError):
                log.exception("photo processing failed")
            self._call(job.on_error, ticket)
            return
        self._finish(ticket, DONE)
        self._call(job.on_done, ticket)

    def _finish(self, ticket: Ticket, state: str) -> None:
        with self._lock:
            if ticket.state != CANCELLED:
                ticket.state = state
            self._open.pop(ticket.id, None)
        ticket._finished.set()

    def _discard(self, photo: ProcessedPhoto) -> None:
        """Files of a cancelled photo go, unless the same bytes are a photo the store holds."""
        if self.store.photos.get(photo.sha256) is None:
            photo.path.unlink(missing_ok=True)
            photo.thumb_path.unlink(missing_ok=True)

    @staticmethod
    def _call(callback: Callable[[Ticket], Any] | None, ticket: Ticket) -> None:
        if callback is None:
            return
        try:
            callback(ticket)
        except Exception:  # noqa: BLE001 - a UI callback's bug must not stop the queue
            log.exception("photo callback failed")
