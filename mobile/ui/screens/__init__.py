"""One <Noun>Screen class and one .kv file (same stem) per screen; `screen_classes()` lists them."""

from __future__ import annotations

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


def screen_classes() -> dict[str, type[XunchaScreen]]:
    """Every screen by name, in the order they are added (imported late: they import this module)."""
    from mobile.ui.screens.checklist import ChecklistScreen
    from mobile.ui.screens.finding import FindingScreen
    from mobile.ui.screens.finish import FinishScreen
    from mobile.ui.screens.pairing import PairingScreen
    from mobile.ui.screens.photos import PhotosScreen
    from mobile.ui.screens.revisit import RevisitScreen
    from mobile.ui.screens.settings import SettingsScreen
    from mobile.ui.screens.sync import SyncScreen
    from mobile.ui.screens.today import TodayScreen

    return {"pairing": PairingScreen, "today": TodayScreen, "checklist": ChecklistScreen,
            "finish": FinishScreen, "finding": FindingScreen, "photos": PhotosScreen,
            "revisit": RevisitScreen, "sync": SyncScreen, "settings": SettingsScreen}
