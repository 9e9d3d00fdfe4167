"""Kivy's process-wide settings, applied before the first `import kivy` (Kivy reads them then)."""

from __future__ import annotations

import os
from pathlib import Path

LANDSCAPE = (1280, 800)
PORTRAIT = (800, 1280)


def prepare(kivy_home: str | Path | None = None, size: tuple[int, int] = LANDSCAPE) -> None:
    """Quiet Kivy (no argv parsing, no log files in ~/.kivy) and fix the window size."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    # SDL's clipboard: Kivy would otherwise look for xclip / xsel and log their absence.
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    if kivy_home is not None:
        Path(kivy_home).mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("KIVY_HOME", str(kivy_home))
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        # No screen: SDL's offscreen driver still renders real frames through Mesa.
        os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    import sys

    from kivy.config import Config

    # With its console log off Kivy points sys.stderr at its logger, and tracebacks vanish.
    sys.stderr = sys.__stderr__

    # The window size must be set before the window exists: resizing later corrupts frames.
    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "resizable", "1")
    # No multisampling: the app draws axis-aligned boxes and text (whose edges its textures
    # smooth already), and Kivy's default of 2 samples made every frame cost three times as much
    # in Mesa's software renderer (bench/tablet_ui.py, docs/benchmarks.md "Tablet UI").
    Config.set("graphics", "multisamples", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "exit_on_escape", "0")
