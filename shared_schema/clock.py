"""Hybrid logical clock stamps: "<13-digit ms>-<4-digit counter>-<node>".

Fixed-width text so that plain string comparison orders stamps. A stamp never goes backwards
on one node even when the wall clock does, and after seeing a stamp from elsewhere a node only
makes larger ones; so the last writer by this clock is well defined on every side.
"""

from __future__ import annotations

import re
import threading
import time

STAMP = re.compile(r"^\d{13}-\d{4}-[0-9a-z]{1,16}$")


def format_stamp(ms: int, counter: int, node: str) -> str:
    return f"{ms:013d}-{counter:04d}-{node}"


def parse_stamp(stamp: str) -> tuple[int, int, str]:
    if not STAMP.match(stamp or ""):
        raise ValueError(f"not a clock stamp: {stamp!r}")
    ms, counter, node = stamp.split("-", 2)
    return int(ms), int(counter), node


def stamp_ms(stamp: str) -> int:
    return parse_stamp(stamp)[0]


class HybridClock:
    """A node's clock; `now()` for a local write, `observe()` for a stamp seen from elsewhere."""

    def __init__(self, node: str, last: str | None = None, wall=None) -> None:
        self.node = node
        self._wall = wall or (lambda: int(time.time() * 1000))
        self._ms, self._counter = (parse_stamp(last)[:2] if last else (0, 0))
        self._lock = threading.Lock()

    def now(self) -> str:
        with self._lock:
            wall = self._wall()
            if wall > self._ms:
                self._ms, self._counter = wall, 0
            else:
                self._counter += 1
                if self._counter > 9999:  # more than 10,000 writes in one ms: borrow the next ms
                    self._ms, self._counter = self._ms + 1, 0
            return format_stamp(self._ms, self._counter, self.node)

    def observe(self, stamp: str) -> None:
        ms, counter, _node = parse_stamp(stamp)
        with self._lock:
            if (ms, counter) > (self._ms, self._counter):
                self._ms, self._counter = ms, counter

    @property
    def last(self) -> str:
        return format_stamp(self._ms, self._counter, self.node)
