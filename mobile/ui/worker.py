"""Work off the UI thread: run(fn, on_done, on_error) in a background lane, results on the UI thread.

Each lane is one thread, so work in a lane happens in the order it was asked for: `store`
writes answers in the order they were tapped, `photo` processes one photo at a time (a 12 MP
photo costs ~30 MB while decoded; one at a time keeps memory flat), `net` talks to the server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)

LANES = ("store", "photo", "net", "probe")


class Worker:
    def __init__(self) -> None:
        self._pools = {lane: ThreadPoolExecutor(1, thread_name_prefix=f"xuncha-{lane}") for lane in LANES}
        self._lock = threading.Lock()
        self._in_flight = 0
        self._on_exit: list[Callable[[], None]] = []
        self._closed = False

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[Exception], None] | None = None, lane: str = "store") -> Future | None:
        """Run `fn()` in `lane`; `on_done(result)` or `on_error(exc)` runs later on the UI thread.
        After `shutdown` (the app stopping) nothing runs: a refresh that a trigger still fires in
        the last frame is dropped, not raised."""
        with self._lock:
            if self._closed:
                log.info("app stopping: background work dropped")
                return None
            self._in_flight += 1
        future = self._pools[lane].submit(fn)
        future.add_done_callback(lambda f: self._finish(f, on_done, on_error))
        return future

    def _finish(self, future: Future, on_done, on_error) -> None:
        exc = future.exception()

        def deliver(_dt: float) -> None:
            try:
                if exc is None:
                    if on_done:
                        on_done(future.result())
                elif on_error:
                    on_error(exc)
                else:
                    log.error("background work failed", exc_info=exc)
            finally:
                with self._lock:
                    self._in_flight -= 1

        Clock.schedule_once(deliver)

    def begin(self) -> None:
        """Count work started elsewhere (the photo queue) until `deliver` hands its result back."""
        with self._lock:
            self._in_flight += 1

    def deliver(self, fn: Callable[..., Any], *args: Any) -> None:
        """From any thread: run `fn(*args)` on the UI thread and close what `begin` opened."""
        def call(_dt: float) -> None:
            try:
                fn(*args)
            finally:
                with self._lock:
                    self._in_flight -= 1

        Clock.schedule_once(call)

    @property
    def idle(self) -> bool:
        """Nothing running and no result waiting to be delivered (tests and benches wait on it)."""
        with self._lock:
            return self._in_flight == 0

    def on_thread_exit(self, fn: Callable[[], None]) -> None:
        self._on_exit.append(fn)

    def shutdown(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for pool in self._pools.values():
            for fn in self._on_exit:
                # Each lane thread closes its own store connection before it goes.
                pool.submit(fn)
            pool.shutdown(wait=True, cancel_futures=True)
