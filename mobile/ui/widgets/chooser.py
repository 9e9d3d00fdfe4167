"""Desktop picture chooser: the 'camera' of a tablet app run on a PC."""

from __future__ import annotations

import os
from collections.abc import Callable

from kivy.properties import ObjectProperty
from kivy.uix.modalview import ModalView


class PictureChooser(ModalView):
    taken_handler = ObjectProperty(None, allownone=True)
    cancel_handler = ObjectProperty(None, allownone=True)
    start_path = os.path.expanduser("~")

    def choose(self, selection: list[str]) -> None:
        if not selection:
            return
        self.dismiss()
        taken: Callable[[str], None] | None = self.taken_handler
        if taken:
            taken(selection[0])

    def cancel(self) -> None:
        self.dismiss()
        if self.cancel_handler:
            self.cancel_handler()
