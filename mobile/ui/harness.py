"""Drive the real app frame by frame in this process: tests, bench/tablet_ui.py and
scripts/screens.sh use it. The window is real (Xvfb or SDL offscreen), touches go through
Kivy's input path to whatever widget is under them, and nothing runs that the app would not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from kivy.app import App
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget

from mobile.ui.app import XunchaApp


class Harness:
    def __init__(self, app: XunchaApp) -> None:
        self.app = app

    @classmethod
    def start(cls, app: XunchaApp) -> Harness:
        EventLoop.ensure_window()
        app._run_prepare()  # build, add the root to the window, on_start — what run() does first
        harness = cls(app)
        harness.frames(3)
        return harness

    def stop(self) -> None:
        """Stop as App.stop does, without ending the process's event loop (tests run many apps)."""
        app = self.app
        if app.root is not None:
            Window.remove_widget(app.root)
        for child in list(Window.children):
            Window.remove_widget(child)
        self.frames(1)  # what is still scheduled runs while the app can take it
        # Then on_stop, and no app left running: kv's `app` is a proxy that keeps the running app
        # until that app's on_stop, so a rule evaluated after it would bind the next app's
        # widgets (its status bar) to this stopped one.
        app.dispatch("on_stop")
        App._running_app = None

    # -- time ---------------------------------------------------------------------------------
    def frames(self, n: int = 1) -> None:
        for _ in range(n):
            EventLoop.idle()

    def wait(self, condition: Callable[[], object], timeout: float = 20.0, what: str = "") -> None:
        """Run frames until `condition()` holds (background work delivers through frames)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            EventLoop.idle()
            time.sleep(0.005)

    def settle(self, timeout: float = 30.0) -> None:
        """Frames until no background work is running or waiting to be delivered, and no popup is
        opening or closing (while its animation runs, a closing popup takes the next tap)."""
        self.frames(2)
        self.wait(lambda: self.app.worker.idle, timeout, "background work")
        self.wait(_no_popup_moving, timeout, "a popup to open or close")
        self.frames(3)

    # -- finding and pressing widgets ----------------------------------------------------------
    def screen(self, name: str | None = None):
        return self.app.screen(name) if name else self.app.manager.current_screen

    def tap(self, widget: Widget) -> None:
        """A finger down and up at the widget's centre, through the window's input dispatch."""
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        touch.touch_up()
        self.frames(2)

    def type_into(self, widget, text: str) -> None:
        self.tap(widget)
        widget.text = text
        self.frames(1)

    def find(self, root: Widget, predicate: Callable[[Widget], bool]) -> Widget:
        for widget in root.walk(restrict=True):
            if predicate(widget):
                return widget
        raise LookupError("no such widget on screen")

    def modal(self, class_name: str) -> Widget:
        """An open popup (ModalView) of that class; popups sit on the window, not in the root."""
        for child in Window.children:
            if type(child).__name__ == class_name:
                return child
        raise LookupError(f"no {class_name} open")

    def dismiss(self, modal: Widget, timeout: float = 5.0) -> None:
        """Close a popup and run frames until it has left the window: while its closing animation
        runs it still takes taps meant for the screen under it."""
        modal.dismiss()
        self.wait(lambda: modal.parent is None, timeout, f"the {type(modal).__name__} to close")

    def button(self, text: str, root: Widget | None = None) -> Widget:
        """The visible button whose text is `text` (or starts with it)."""
        root = root or self.app.root
        return self.find(root, lambda w: getattr(w, "text", None) is not None and hasattr(w, "on_release")
                         and str(w.text).startswith(text) and w.opacity > 0 and not w.disabled
                         and _on_screen(w))

    def screenshot(self, path: str | Path) -> Path:
        """A PNG of the window; Kivy appends a counter to the name, so rename to what was asked."""
        self.frames(2)
        path = Path(path)
        written = Path(Window.screenshot(name=str(path.resolve())))
        written.replace(path)
        return path


def _no_popup_moving() -> bool:
    from kivy.uix.modalview import ModalView

    return all(child._anim_alpha == 1 for child in Window.children if isinstance(child, ModalView))


def _on_screen(widget: Widget) -> bool:
    """The widget's centre is in the window and inside every scroll view that holds it (a
    RecycleView keeps a few rows just outside what it shows)."""
    from kivy.uix.scrollview import ScrollView

    x, y = widget.to_window(*widget.center)
    if not (0 <= x <= Window.width and 0 <= y <= Window.height):
        return False
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        if isinstance(parent, ScrollView):
            left, bottom = parent.to_window(parent.x, parent.y)
            if not (left <= x <= left + parent.width and bottom <= y <= bottom + parent.height):
                return False
        parent = parent.parent
    return True
