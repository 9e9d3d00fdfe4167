"""Today: revisits due (overdue first), inspections to resume, and an estate search to start one."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import ButtonBehavior

from mobile.checklist import Checklist
from mobile.inbox import mark_read_here, reminders
from mobile.reads import current_template, search_estates, today
from mobile.ui.i18n import tr
from mobile.ui.screens import XunchaScreen


def gist(body: str) -> str:
    """The first line of a reminder that says something (not the greeting "袁芳帆，您好：")."""
    for line in body.splitlines():
        line = line.strip()
        if line and not line.endswith(("：", ":")):
            return line
    return ""


def kind_name(kind: str) -> str:
    """The kind of an inspection as the inspector calls it (双随机 and 投诉核查 come from the office)."""
    names = {"routine": tr("日常检查"), "special": tr("专项检查"), "random": tr("双随机抽查"),
             "complaint": tr("投诉核查"), "revisit": tr("回头看")}
    return names.get(kind, kind)


class RevisitRow(ButtonBehavior, BoxLayout):
    revisit_id = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    due = StringProperty("")
    due_state = StringProperty("upcoming")
    unread = BooleanProperty(False)


class ReminderRow(ButtonBehavior, BoxLayout):
    reminder_id = StringProperty("")
    revisit_id = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    unread = BooleanProperty(False)


class FindingsRow(ButtonBehavior, BoxLayout):
    estate_id = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")


class ResumeRow(ButtonBehavior, BoxLayout):
    inspection_id = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")


class EstateRow(BoxLayout):
    estate_id = StringProperty("")
    name = StringProperty("")
    address = StringProperty("")
    open_findings = NumericProperty(0)


class TodayScreen(XunchaScreen):
    who = StringProperty("")
    unread = NumericProperty(0)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._search = Clock.create_trigger(lambda _dt: self.search(), 0.25)

    def redraw(self) -> None:
        store = self.store
        if not store.is_paired:
            return
        self.who = f"{store.get_meta('display_name') or store.get_meta('username') or ''}" \
                   f" · {store.get_meta('office_name') or ''}"
        self.app.run_in("store", lambda: (today(store), reminders(store)), self._drawn)
        self.search()

    def _drawn(self, result) -> None:
        view, (notes, unread) = result
        self.unread = unread
        # Unread first, five at most: Today is for the day's work, the revisits stay in view.
        shown = sorted(notes, key=lambda r: not r.unread)[:5]
        rows = [{"reminder_id": r.id, "revisit_id": r.revisit_id or "", "unread": r.unread,
                 "title": f"{tr(r.kind_label)} · {r.subject}" if r.subject else tr(r.kind_label),
                 "detail": " · ".join(p for p in (r.sent_text, gist(r.body)) if p)}
                for r in shown]
        self._fill(self.ids.reminders, ReminderRow, rows, self.open_reminder, tr("没有提醒（同步后显示）"))
        revisits = [{"revisit_id": r.id, "title": r.estate_name or tr("未知小区"), "due": r.due_text,
                     "due_state": r.due_state, "unread": r.unread,
                     "detail": " · ".join(p for p in (r.category, r.location, r.description) if p)}
                    for r in view.revisits]
        self._fill(self.ids.revisits, RevisitRow, revisits, self.open_revisit, tr("今天没有回头看任务"))
        resume = [{"inspection_id": i.id, "title": f"{i.estate_name or tr('未知小区')} · {kind_name(i.kind)}",
                   "detail": self._inspection_detail(i)} for i in view.unfinished]
        self._fill(self.ids.unfinished, ResumeRow, resume, self.resume, tr("没有未完成的检查"))
        findings = [{"title": e.estate_name, "detail": tr("{n} 项未销号", n=e.open)
                     + (" · " + tr("{n} 项已逾期", n=e.overdue) if e.overdue else ""),
                     "estate_id": e.estate_id}
                    for e in view.open_findings]
        self._fill(self.ids.open_findings, FindingsRow, findings, self.findings_of, tr("没有未销号的问题"))

    @staticmethod
    def _inspection_detail(row) -> str:
        if row.status == "planned":
            when = tr("计划于 {t}", t=row.planned_text) if row.planned_text else tr("已分配给您")
            return f"{when} · " + tr("尚未开始，共 {n} 项", n=row.total)
        return tr("开始于 {t} · 已检查 {a}/{n} 项", t=row.started_text, a=row.answered, n=row.total)

    def _fill(self, box, row_class, rows: list[dict], on_tap, empty: str) -> None:
        from kivy.factory import Factory

        box.clear_widgets()
        if not rows:
            box.add_widget(Factory.XMuted(text=empty))
        for data in rows:
            row = row_class(**data)
            row.bind(on_release=lambda widget: on_tap(widget))
            box.add_widget(row)

    def on_search_text(self) -> None:
        self._search()

    def search(self) -> None:
        store, text = self.store, self.ids.search.text

        def found(hits) -> None:
            self.ids.estates.data = [{"estate_id": h.id, "name": h.name, "address": h.address or "",
                                      "open_findings": h.open_findings} for h in hits]
            self.ids.no_estates.opacity = 0 if hits else 1

        self.app.run_in("store", lambda: search_estates(store, text, limit=50), found)

    # -- actions ----------------------------------------------------------------------------
    def open_reminder(self, row: ReminderRow) -> None:
        store, reminder_id = self.store, row.reminder_id
        row.unread = False
        self.app.run_in("store", lambda: mark_read_here(store, reminder_id), lambda _r: self.redraw())
        if row.revisit_id and store.records.get("revisit", row.revisit_id) is not None:
            self.app.go("revisit", revisit_id=row.revisit_id)

    def open_revisit(self, row: RevisitRow) -> None:
        self.app.go("revisit", revisit_id=row.revisit_id)

    def findings_of(self, row: FindingsRow) -> None:
        """Show the estate in the picker, where its open findings count and its buttons are."""
        estate = self.store.records.get("estate", row.estate_id)
        self.ids.search.text = estate.get("name", "") if estate else ""

    def resume(self, row: ResumeRow) -> None:
        self.app.go("checklist", inspection_id=row.inspection_id)

    def start_inspection(self, estate_id: str) -> None:
        store = self.store

        def start() -> str:
            template = current_template(store)
            if template is None:
                from mobile.checklist import ChecklistError

                raise ChecklistError(tr("本机还没有检查表，请先同步"))
            return Checklist.start(store, estate_id, template.id).inspection_id

        self.app.run_in("store", start, lambda inspection_id: self.app.go("checklist",
                                                                          inspection_id=inspection_id))

    def new_finding(self, estate_id: str) -> None:
        self.app.go("finding", estate_id=estate_id)
