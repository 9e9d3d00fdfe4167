"""Sync: "sync now", what is waiting, and each record the server refused with its reason."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from mobile.reads import rejected_items, status_summary, waiting_items
from mobile.timeutil import local_text
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen
from mobile.ui.text import human_bytes

SHOWN = 60  # lines per list: the counts say the rest


class SyncScreen(XunchaScreen):
    last_sync = StringProperty("")
    waiting_text = StringProperty("")
    rejected_text = StringProperty("")

    def show(self, **params: Any) -> None:
        self.redraw()

    def redraw(self) -> None:
        store = self.store

        def read():
            return status_summary(store), waiting_items(store, limit=SHOWN), rejected_items(store)

        self.app.run_in("store", read, self._drawn)

    def _drawn(self, result) -> None:
        summary, waiting, refused = result
        self.last_sync = tr("上次同步：{t}", t=local_text(summary.last_sync_at)) if summary.last_sync_at \
            else tr("还没有同步过")
        lines = []
        if summary.waiting:
            lines.append(tr("{r} 条记录、{p} 张照片（{b}）等待上传", r=summary.pending_records,
                            p=summary.pending_photos, b=human_bytes(summary.pending_photo_bytes)))
        lines += [f"· {item.label}" + (f"（{item.reason}）" if item.reason else "") for item in waiting]
        self.waiting_text = "\n".join(lines) or tr("没有待同步的内容")
        self.rejected_text = "\n".join(f"✗ {item.label}：{item.reason}" for item in refused) \
            or tr("没有被拒绝的记录")

    def sync_now(self) -> None:
        if not self.app.sync_now():
            self.app.toast(tr("正在同步，请稍候") if self.app.syncing else tr("平板尚未配对"))
