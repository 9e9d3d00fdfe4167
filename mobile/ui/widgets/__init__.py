"""Widgets every screen shares: status bar, banner, toast, confirm dialog, photo strip and viewer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.animation import Animation
from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, ColorProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import AsyncImage
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView

KV_FILE = Path(__file__).with_name("widgets.kv")


class StatusBar(BoxLayout):
    """Always on top: offline / syncing with a bar and bytes / all synced / N waiting / error."""


class Banner(BoxLayout):
    """A line across the top for what needs attention today (revisits due or overdue)."""


class OutlineButton(ButtonBehavior, Label):
    """A big button outlined in `tint`, filled with it when `filled` or while pressed; lighter to
    draw than a Button, whose 9-slice background covers its whole box (see widgets.kv)."""

    tint = ColorProperty((0, 0, 0, 1))
    filled = BooleanProperty(False)


class Toast(Label):
    """A short message that fades away by itself; the last one is kept on the app for tests."""

    def show(self, seconds: float = 3.5) -> None:
        Animation.cancel_all(self)
        if self.parent is None:
            Window.add_widget(self)
        self.opacity = 1
        anim = Animation(duration=seconds) + Animation(opacity=0, duration=0.4)
        anim.bind(on_complete=lambda *_: self.parent and self.parent.remove_widget(self))
        anim.start(self)


_toast: list[Toast] = []  # one toast widget, reused: a new Label per message cost ~40 ms a tap


def toast(text: str, seconds: float = 3.5) -> None:
    app = App.get_running_app()
    if app is not None:
        app.last_toast = text
    if not _toast:
        _toast.append(Toast())
    _toast[0].text = text
    _toast[0].show(seconds)


class ConfirmDialog(ModalView):
    """A yes / no question: the action runs only on the explicit confirming button."""

    message = StringProperty("")
    confirm_text = StringProperty("")
    danger = BooleanProperty(False)
    action = ObjectProperty(None, allownone=True)

    def confirm(self) -> None:
        self.dismiss()
        if self.action:
            self.action()


def confirm(message: str, confirm_text: str, on_confirm: Callable[[], None],
            danger: bool = False) -> ConfirmDialog:
    dialog = ConfirmDialog(message=message, confirm_text=confirm_text, action=on_confirm, danger=danger)
    dialog.open()
    return dialog


class PhotoStrip(BoxLayout):
    """Thumbnails in a row; a tap opens the photo full screen. `photos`: dicts with thumb, path,
    link_id and deletable (a photo not uploaded yet may be removed)."""

    photos = ListProperty()
    delete_handler = ObjectProperty(None, allownone=True)

    def on_photos(self, _strip, photos: list[dict]) -> None:
        row = self.ids.row
        row.clear_widgets()
        for photo in photos:
            thumb = PhotoThumb(source=photo.get("thumb") or photo.get("path") or "")
            thumb.bind(on_release=lambda _w, p=photo: self.open_photo(p))
            row.add_widget(thumb)

    def open_photo(self, photo: dict) -> None:
        handler = self.delete_handler if photo.get("deletable") else None
        PhotoViewer(photo=photo, delete_handler=handler).open()


class PhotoThumb(ButtonBehavior, AsyncImage):
    """A thumbnail that opens its photo (AsyncImage: decoding stays off the UI thread)."""


class PhotoViewer(ModalView):
    """One photo full screen, evidence stamp and all; delete offered while it is not uploaded."""

    photo = ObjectProperty({})
    delete_handler = ObjectProperty(None, allownone=True)

    def delete(self) -> None:
        self.dismiss()
        callback, photo = self.delete_handler, self.photo
        if callback:
            Clock.schedule_once(lambda _dt: callback(photo))
