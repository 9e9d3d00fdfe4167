"""The in-process moving window: at most N hits in any window, the window slides, idle keys go."""

from __future__ import annotations

import threading

from limits import parse

from server.ratelimit import SWEEP_SECONDS, MemoryWindows


class Clock:
    """A clock the test moves by hand (the windows take any monotonic clock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_allows_its_amount_then_refuses_until_the_oldest_hit_leaves():
    clock = Clock()
    windows = MemoryWindows(clock)
    three = parse("3 per minute")
    assert [windows.hit(three, "device", "a") for _ in range(3)] == [True, True, True]
    clock.now += 30
    assert windows.hit(three, "device", "a") is False  # a moving window, not a fixed minute
    clock.now += 30  # the first three hits are exactly 60 s old: out of the window
    # Three again, not two: the refused hit at +30 s took no place in the window.
    assert [windows.hit(three, "device", "a") for _ in range(4)] == [True, True, True, False]


def test_keys_and_limits_count_apart():
    windows = MemoryWindows(Clock())
    one = parse("1 per minute")
    assert windows.hit(one, "device", "a") and windows.hit(one, "device", "b")
    assert not windows.hit(one, "device", "a")
    assert windows.hit(parse("1 per hour"), "device", "a")  # another limit, another count


def test_keys_idle_for_a_whole_window_are_dropped():
    clock = Clock()
    windows = MemoryWindows(clock)
    second = parse("5 per second")
    for n in range(100):
        windows.hit(second, "address", str(n))
    assert len(windows) == 100
    clock.now += SWEEP_SECONDS + 1
    windows.hit(second, "address", "new")
    assert len(windows) == 1


def test_hits_from_many_threads_never_pass_the_amount():
    windows = MemoryWindows()
    limit = parse("500 per hour")
    allowed = []

    def hammer() -> None:
        allowed.extend(windows.hit(limit, "device", "x") for _ in range(200))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 500 and len(allowed) == 1600
