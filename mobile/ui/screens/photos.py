"""Every photo on the tablet, newest first: thumbnails, full screen with the evidence stamp,
delete while it is not uploaded yet."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout

from mobile.photo_edits import delete_photo_link, photo_rows
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen
from mobile.ui.widgets import PhotoViewer

STATE_WORDS = {"local": "待上传", "uploaded": "已上传", "remote": "来自服务器", "failed": "上传失败"}


class PhotoCell(ButtonBehavior, BoxLayout):
    link_id = StringProperty("")
    thumb = StringProperty("")
    path = StringProperty("")
    state = StringProperty("")
    role = StringProperty("")
    deletable = BooleanProperty(False)

    def on_release(self) -> None:
        photo = {"link_id": self.link_id, "path": self.path, "thumb": self.thumb, "deletable": self.deletable}
        App.get_running_app().screen("photos").open_photo(photo)


class PhotosScreen(XunchaScreen):
    count_text = StringProperty("")

    def show(self, **params: Any) -> None:
        self.redraw()

    def redraw(self) -> None:
        store = self.store

        def drawn(rows: list[dict]) -> None:
            self.ids.grid.data = [{**row, "state": tr(STATE_WORDS.get(row["state"], row["state"]))}
                                  for row in rows]
            waiting = sum(1 for row in rows if row["deletable"])
            self.count_text = tr("共 {n} 张，{w} 张待上传", n=len(rows), w=waiting)

        self.app.run_in("store", lambda: photo_rows(store), drawn)

    def open_photo(self, photo: dict) -> None:
        PhotoViewer(photo=photo, delete_handler=self.delete if photo.get("deletable") else None).open()

    def delete(self, photo: dict) -> None:
        store = self.store

        def deleted(_none) -> None:
            self.app.toast(tr("照片已删除"))
            self.app.refresh_status()
            self.redraw()

        self.app.run_in("store", lambda: delete_photo_link(store, photo["link_id"]), deleted)
