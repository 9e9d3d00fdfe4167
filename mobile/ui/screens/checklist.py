"""The checklist runner: 144 items in a RecycleView, big pass / fail / N/A buttons, notes, photos.

Every tap goes to the `store` lane (one thread, so taps commit in the order they were made);
the row redraws from what the core says the item's state now is. No rule lives here: whether a
photo is needed, the score and what blocks finishing all come from `mobile.checklist`.
"""

from __future__ import annotations

import math
from typing import Any

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView

from mobile.checklist import Checklist, ItemState
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen

HEADER_HEIGHT = 56
TEXT_SP = 19  # the item text's font size in checklist.kv
LINE_DP = 27
MAX_LINES = 3


def row_height(text: str, guidance: str, width: float, status_line: bool = True) -> float:
    """An item row's height from its text's estimated line count at this list width: rows fit
    their text (no blank band under a one-line item) without measuring any texture."""
    per_line = max((width - dp(24)) / sp(TEXT_SP), 8)
    length = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text) + 6  # + code and points
    lines = min(MAX_LINES, max(1, math.ceil(length / per_line)))
    # padding 16 + text + guidance + status line (photo rule, note) + buttons 72 + spacing 18 + gap 6
    return dp(16 + lines * LINE_DP + (26 if guidance else 0) + (26 if status_line else 0) + 72 + 18 + 6)


def has_status_line(row: dict[str, Any]) -> bool:
    return bool(row["needs_photo"] or row["note"] or row["photo_required"])


class ItemRow(BoxLayout):
    item_id = StringProperty("")
    code = StringProperty("")
    text = StringProperty("")
    guidance = StringProperty("")
    points = NumericProperty(0)
    result = StringProperty("")
    note = StringProperty("")
    photos = NumericProperty(0)
    needs_photo = BooleanProperty(False)
    photo_required = BooleanProperty(False)


class SectionHeader(BoxLayout):
    title = StringProperty("")
    progress = StringProperty("")


class SectionButton(ButtonBehavior, BoxLayout):
    section_id = StringProperty("")
    title = StringProperty("")
    progress = StringProperty("")
    complete = BooleanProperty(False)


class NoteDialog(ModalView):
    item_id = StringProperty("")
    heading = StringProperty("")
    note = StringProperty("")


def item_data(state: ItemState, width: float) -> dict[str, Any]:
    item = state.item
    text, guidance = item.get("text") or "", item.get("guidance") or ""
    row = {"viewclass": "ItemRow", "item_id": item.id, "code": item.get("code") or "",
            "text": item.get("text") or "", "guidance": item.get("guidance") or "",
            "points": int(item.get("points") or 0), "result": state.result or "",
            "note": (state.answer.get("note") if state.answer else "") or "", "photos": state.photos,
            "needs_photo": state.needs_photo, "photo_required": bool(item.get("photo_required_on_fail")),
            }
    row["row_size"] = (None, row_height(text, guidance, width, has_status_line(row)))
    return row


class ChecklistScreen(XunchaScreen):
    inspection_id = StringProperty("")
    estate_name = StringProperty("")
    score_text = StringProperty("")
    sections = ListProperty()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checklist: Checklist | None = None
        self._index: dict[str, int] = {}  # item id -> row position
        self._headers: dict[str, int] = {}  # section id -> its header's row position
        self._section_of: dict[str, str] = {}
        self._done: set[str] = set()  # items answered with nothing missing
        self._totals: dict[str, int] = {}
        self._relayout = Clock.create_trigger(self._resized, 0.1)

    def on_kv_post(self, base_widget) -> None:
        self.ids.item_list.bind(width=lambda *_: self._relayout())

    def show(self, inspection_id: str = "", **params: Any) -> None:
        if inspection_id and inspection_id != self.inspection_id:
            self.inspection_id = inspection_id
            self.checklist = None
            self.ids.item_list.data = []
        self.redraw()

    def redraw(self) -> None:
        store, inspection_id = self.store, self.inspection_id
        if not inspection_id:
            return

        def read():
            if self.checklist is None or self.checklist.inspection_id != inspection_id:
                self.checklist = Checklist.open(store, inspection_id)
            checklist = self.checklist
            estate = store.records.get("estate", checklist.estate_id)
            return (estate.get("name") if estate else ""), checklist.states(), checklist.score()

        self.app.run_in("store", read, self._drawn)

    def _drawn(self, result) -> None:
        estate_name, states, score = result
        self.estate_name = estate_name
        data, index, headers, last_section = [], {}, {}, None
        for state in states:
            if state.section.id != last_section:
                last_section = state.section.id
                headers[last_section] = len(data)
                data.append({"viewclass": "SectionHeader", "title": state.section.get("title") or "",
                             "progress": "", "row_size": (None, dp(HEADER_HEIGHT)),
                             "section_id": state.section.id})
            index[state.item.id] = len(data)
            data.append(item_data(state, self._width()))
        self._index, self._headers = index, headers
        self._section_of = {state.item.id: state.section.id for state in states}
        self._done = {state.item.id for state in states if state.complete}
        self._totals = {}
        for state in states:
            self._totals[state.section.id] = self._totals.get(state.section.id, 0) + 1
        for section_id, position in headers.items():
            data[position]["progress"] = self._section_progress(section_id)
        self.ids.item_list.data = data
        self.sections = [{"section_id": sid, "title": data[pos]["title"],
                          "progress": self._section_progress(sid),
                          "complete": self._section_done(sid) == self._totals[sid]}
                         for sid, pos in headers.items()]
        self._show_score(score)

    def _width(self) -> float:
        width = self.ids.item_list.width
        return width if width > 100 else self.width * 0.72

    def _resized(self, *_args) -> None:
        """Row heights follow the list's width (turning the tablet); rare, so a full relayout."""
        data = self.ids.item_list.data
        width = self._width()
        changed = False
        for row in data:
            if row["viewclass"] == "ItemRow":
                size = (None, row_height(row["text"], row["guidance"], width, has_status_line(row)))
                changed |= size != row["row_size"]
                row["row_size"] = size
        if changed:
            self.ids.item_list.refresh_from_data()

    def _section_done(self, section_id: str) -> int:
        return sum(1 for item_id in self._done if self._section_of[item_id] == section_id)

    def _section_progress(self, section_id: str) -> str:
        return f"{self._section_done(section_id)}/{self._totals[section_id]}"

    def _show_score(self, score) -> None:
        value, applicable = score
        answered, total = len(self._done), len(self._index)
        self.score_text = tr("已完成 {a}/{t} · 当前得分 {s}", a=answered, t=total, s=f"{value:.1f}") \
            if applicable else tr("已完成 {a}/{t}", a=answered, t=total)

    @staticmethod
    def _patch(view_list, position: int, fields: dict[str, Any]) -> None:
        """Change one row's data and, if it is on screen, its widget: no relayout of the list
        (rows keep their size), so a tap redraws one row instead of every visible one."""
        view_list.data[position].update(fields)
        widget = view_list.view_adapter.get_visible_view(position)
        if widget is not None:
            for key, value in fields.items():
                if key not in ("viewclass", "row_size"):
                    setattr(widget, key, value)

    # -- taps ---------------------------------------------------------------------------------
    def answer(self, item_id: str, result: str) -> None:
        if result != "fail":
            # A photo still being processed for a failure that is no longer one is not linked.
            self.app.photo_queue.cancel_key(item_id)

        def work():
            state = self.checklist.answer(item_id, result)
            return state, self.checklist.score()

        position = self._index.get(item_id)
        if position is not None:
            # The choice shows in the next frame; what the core then says the item's state is
            # (photo needed, section done, score) replaces it when the write returns.
            self._patch(self.ids.item_list, position, {"result": result})
        self.app.run_in("store", work, self._item_changed, self._answer_failed)

    def _answer_failed(self, exc: BaseException) -> None:
        self.app.fail(exc)
        self.redraw()  # back to what the store holds

    def _item_changed(self, result) -> None:
        state, score = result
        item_id = state.item.id
        position = self._index.get(item_id)
        if position is None:
            return
        fresh = item_data(state, self._width())
        if fresh["row_size"] != self.ids.item_list.data[position]["row_size"]:
            self.ids.item_list.data[position] = fresh  # a note appeared: this row grows (relayout)
        else:
            self._patch(self.ids.item_list, position, fresh)
        was_done = item_id in self._done
        if state.complete:
            self._done.add(item_id)
        else:
            self._done.discard(item_id)
        if was_done != state.complete:
            section_id = self._section_of[item_id]
            progress = self._section_progress(section_id)
            self._patch(self.ids.item_list, self._headers[section_id], {"progress": progress})
            order = list(self._headers).index(section_id)
            self._patch(self.ids.section_list, order, {
                "progress": progress, "complete": self._section_done(section_id) == self._totals[section_id]})
        if state.needs_photo:
            self.app.toast(tr("不合格项需要照片：请点“拍照”"))
        self._show_score(score)
        self.app.refresh_status()

    def take_photo(self, item_id: str) -> None:
        row = self.ids.item_list.data[self._index[item_id]]

        checklist = self.checklist

        def attach(photo):  # on the photo worker, with its own store connection
            checklist.attach_photo(item_id, photo)
            return checklist.state(item_id), checklist.score()

        self.app.capture(self.estate_name, row.get("code", ""), attach, self._item_changed, key=item_id)

    def edit_note(self, item_id: str) -> None:
        row = self.ids.item_list.data[self._index[item_id]]
        NoteDialog(item_id=item_id, heading=f"{row['code']} {row['text']}", note=row["note"]).open()

    def save_note(self, item_id: str, note: str) -> None:
        def work():
            return self.checklist.set_note(item_id, note), self.checklist.score()

        self.app.run_in("store", work, self._item_changed)

    # -- moving around ------------------------------------------------------------------------
    def scroll_to(self, position: int) -> None:
        view = self.ids.item_list
        data = view.data
        offset = sum(row["row_size"][1] for row in data[:position])
        content = sum(row["row_size"][1] for row in data)
        room = content - view.height
        if room > 0:
            view.scroll_y = max(0.0, min(1.0, 1 - offset / room))

    def next_unanswered(self) -> None:
        for position, row in enumerate(self.ids.item_list.data):
            if row["viewclass"] == "ItemRow" and (not row["result"] or row["needs_photo"]):
                self.scroll_to(position)
                return
        self.app.toast(tr("所有项目都已检查，可以完成检查"))

    def jump_to_section(self, section_id: str) -> None:
        for position, row in enumerate(self.ids.item_list.data):
            if row.get("section_id") == section_id:
                self.scroll_to(position)
                return

    def finish(self) -> None:
        self.app.go("finish", inspection_id=self.inspection_id)

    def add_finding(self) -> None:
        if self.checklist is not None:
            self.app.go("finding", estate_id=self.checklist.estate_id, inspection_id=self.inspection_id)
