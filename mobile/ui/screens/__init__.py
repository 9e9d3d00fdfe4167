"""One <Noun>Screen class and one .kv file (same stem) per screen; `screen_classes()` lists them."""

from __future__ import annotations

import importlib
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.screenmanager import Screen


class XunchaScreen(Screen):
    """A screen that reads from the core when shown and redraws through a throttled trigger."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Bursts of changes (a sync applying pages, taps in a row) redraw once.
        self.refresh = Clock.create_trigger(lambda _dt: self.redraw(), 0.1)

    @property
    def app(self):
        return App.get_running_app()

    @property
    def store(self):
        return self.app.store

    def show(self, **params: Any) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Read what the screen shows from the store and put it on the widgets."""


# Screen name -> class, in the order of the app's flow; each lives in screens/<name>.py + .kv.
CLASS_NAMES = {"pairing": "PairingScreen", "today": "TodayScreen", "checklist": "ChecklistScreen",
               "finish": "FinishScreen", "finding": "FindingScreen", "photos": "PhotosScreen",
               "revisit": "RevisitScreen", "sync": "SyncScreen", "settings": "SettingsScreen"}


def screen_class(name: str) -> type[XunchaScreen]:
    """One screen's class, its module imported on first use (they import this module)."""
    return getattr(importlib.import_module(f"mobile.ui.screens.{name}"), CLASS_NAMES[name])


def screen_classes() -> dict[str, type[XunchaScreen]]:
    """Every screen by name, in the order of the app's flow."""
    return {name: screen_class(name) for name in CLASS_NAMES}
