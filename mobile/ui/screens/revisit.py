"""A revisit (回头看): the original finding and photos beside the company's reply and after-photos,
then fixed / not fixed with a note and new photos."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, StringProperty

from mobile.findings import complete_revisit, photo_file, revisit_view
from mobile.reads import mark_seen
from mobile.timeutil import local_text
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen
from mobile.ui.screens.finding import form_photo_items

SEVERITY_WORDS = {"minor": "一般", "major": "较重", "severe": "严重"}


def strip_items(store, links) -> list[dict]:
    """Linked photos held on this tablet, as a PhotoStrip shows them (read-only)."""
    items = []
    for link in links:
        photo = photo_file(store, link)
        if photo is not None:
            thumb = photo.thumb_path if photo.thumb_path and photo.thumb_path.exists() else photo.path
            items.append({"path": str(photo.path), "thumb": str(thumb), "link_id": link.id,
                          "deletable": False})
    return items


class RevisitScreen(XunchaScreen):
    revisit_id = StringProperty("")
    heading = StringProperty("")
    finding_text = StringProperty("")
    reply_text = StringProperty("")
    result = StringProperty("")
    original_photos = ListProperty()
    company_photos = ListProperty()
    new_photos = ListProperty()

    def show(self, revisit_id: str = "", **params: Any) -> None:
        if revisit_id != self.revisit_id:
            self._photos: list = []
            self.new_photos, self.result = [], ""
            self.ids.note.text = ""
        self.revisit_id = revisit_id or self.revisit_id
        self.redraw()

    def redraw(self) -> None:
        store, revisit_id = self.store, self.revisit_id
        if not revisit_id:
            return

        def read():
            view = revisit_view(store, revisit_id)
            mark_seen(store, "revisit", revisit_id)
            return view, strip_items(store, view.evidence), strip_items(store, view.company_photos)

        self.app.run_in("store", read, self._drawn)

    def _drawn(self, result) -> None:
        view, original, company = result
        finding = view.finding or {}
        estate = view.estate.get("name") if view.estate else ""
        self.heading = f"{tr('回头看')} · {estate}"
        self.finding_text = "\n".join(part for part in (
            f"{finding.get('category', '')} · {tr(SEVERITY_WORDS.get(finding.get('severity'), ''))}"
            f" · {finding.get('location', '')}",
            finding.get("description", ""),
            tr("发现于 {a} · 复查期限 {d}", a=local_text(finding.get("found_at")),
               d=local_text(view.revisit.get("due_at"))),
        ) if part.strip(" ·"))
        if view.rectification is not None:
            self.reply_text = (tr("物业企业回复（{t}）：", t=local_text(view.reported_at))
                               + "\n" + view.report_text)
        else:
            self.reply_text = tr("物业企业还没有上报整改情况")
        self.original_photos, self.company_photos = original, company

    def add_photo(self) -> None:
        def taken(photo) -> None:
            self._photos.append(photo)
            self.new_photos = form_photo_items(self._photos)

        self.app.capture(self.heading.split(" · ")[-1], tr("回头看"), lambda photo: photo, taken)

    def drop_photo(self, photo: dict) -> None:
        self._photos = [p for p in self._photos if p.sha256 != photo.get("sha")]
        self.new_photos = form_photo_items(self._photos)

    def complete(self) -> None:
        if self.result not in ("fixed", "not_fixed"):
            self.app.toast(tr("请选择“已整改”或“未整改”"))
            return
        store, revisit_id = self.store, self.revisit_id
        result, note, photos = self.result, self.ids.note.text, list(self._photos)

        def done(_record) -> None:
            self.app.toast(tr("回头看结果已保存，将在同步时上传"))
            self.revisit_id = ""
            self.app.refresh_status()
            self.app.announce_revisits()
            self.app.go("today")
            self.app.sync_now()

        self.app.run_in("store", lambda: complete_revisit(store, revisit_id, result, note, photos), done)
