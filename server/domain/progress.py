"""How long work reports its progress: progress(stage, done, total), stage in Chinese."""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[str, int, int], None]


def no_progress(_stage: str, _done: int, _total: int) -> None:
    """The default when nobody is watching."""
