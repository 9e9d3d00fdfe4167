"""Settings: language, server, storage used, version, and unpairing (which says what it would lose)."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from mobile.pruning import storage_used
from mobile.reads import status_summary
from mobile.sync.engine import wipe
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen
from mobile.ui.text import human_bytes
from mobile.ui.widgets import confirm


class SettingsScreen(XunchaScreen):
    server = StringProperty("")
    account = StringProperty("")
    storage = StringProperty("")

    def show(self, **params: Any) -> None:
        store = self.store
        self.server = store.get_meta("server_url") or ""
        self.account = f"{store.get_meta('display_name') or ''} ({store.get_meta('username') or ''})" \
                       f" · {store.get_meta('office_name') or ''}"
        self.storage = ""
        self.app.run_in("store", lambda: human_bytes(storage_used(store)),
                        lambda text: setattr(self, "storage", text))

    def unpair(self) -> None:
        store = self.store

        def ask(summary) -> None:
            changes, photos = summary.pending_records, summary.pending_photos
            if changes or photos:
                message = tr("还有{c}条记录和{p}张照片没有同步到服务器。注销后它们将永久丢失，无法恢复。确定要注销并清除本机数据吗？",  # noqa: E501
                             c=changes, p=photos)
            else:
                message = tr("所有内容都已同步。注销会清除本机的数据和照片，之后需要重新配对。确定注销吗？")
            confirm(message, tr("注销并清除数据"), self._wipe, danger=True)

        self.app.run_in("store", lambda: status_summary(store), ask)

    def _wipe(self) -> None:
        store = self.store

        def wiped(_none) -> None:
            self.app.toast(tr("已注销，本机数据已清除"))
            self.app.banner = ""
            self.app.refresh_status()
            self.app.go("pairing")

        self.app.run_in("store", lambda: wipe(store), wiped)
