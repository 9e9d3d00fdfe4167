"""Finishing an inspection: what is still missing, the score, and the button that closes it."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from mobile.checklist import Checklist
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen


class FinishScreen(XunchaScreen):
    inspection_id = StringProperty("")
    summary = StringProperty("")
    missing = StringProperty("")
    finishable = BooleanProperty(False)

    def show(self, inspection_id: str = "", **params: Any) -> None:
        self.inspection_id = inspection_id or self.inspection_id
        self.summary = self.missing = ""
        self.finishable = False
        self.redraw()

    def redraw(self) -> None:
        store, inspection_id = self.store, self.inspection_id

        def read():
            checklist = Checklist.open(store, inspection_id)
            states = checklist.states()
            return checklist.progress(), checklist.score(), len(checklist.findings()), \
                {s.item.get("code"): s.item.get("text") for s in states}

        self.app.run_in("store", read, self._drawn)

    def _drawn(self, result) -> None:
        progress, (score, applicable), findings, texts = result
        self.summary = tr("已检查 {a}/{t} 项 · 得分 {s}（适用分值 {p}）· 发现问题 {f} 项",
                          a=progress.answered, t=progress.total, s=f"{score:.1f}", p=f"{applicable:.0f}",
                          f=findings)
        lines = []
        if progress.unanswered:
            lines.append(tr("还有 {n} 项未检查：", n=len(progress.unanswered)))
            lines += [f"  · {code} {texts.get(code, '')}" for code in progress.unanswered[:30]]
            if len(progress.unanswered) > 30:
                lines.append(tr("  …另有 {n} 项", n=len(progress.unanswered) - 30))
        if progress.missing_photos:
            lines.append(tr("以下不合格项还需要照片："))
            lines += [f"  · {code} {texts.get(code, '')}" for code in progress.missing_photos]
        self.missing = "\n".join(lines) or tr("所有项目都已检查，照片齐全。")
        self.finishable = progress.finishable

    def finish(self) -> None:
        store, inspection_id = self.store, self.inspection_id

        def done(_record) -> None:
            self.app.toast(tr("检查已完成，将在同步时上传"))
            self.app.refresh_status()
            self.app.go("today")
            self.app.sync_now()

        self.app.run_in("store", lambda: Checklist.open(store, inspection_id).finish(), done)
