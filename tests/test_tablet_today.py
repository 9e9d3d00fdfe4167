"""Today lists what the office planned for the inspector (双随机, 投诉核查) after a sync, and the status
bar shows photo bytes as they go up: both in the real window against a live server."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from server.domain.models import (
    Channel,
    ChecklistTemplate,
    Estate,
    InspectionKind,
    InspectionStatus,
    Office,
    Reminder,
    ReminderKind,
    User,
)
from server.domain.models.base import utcnow
from server.extensions import db
from tests import factories, mobile_helpers
from tests.tablet_ui_support import camera_dir, pair, tablet, tr, ui_server, wait_synced  # Kivy first

seed = mobile_helpers.seed
_fixtures = (camera_dir, tablet, ui_server, seed)


def _plan(app, seed, kind: InspectionKind, inspector_id: str, template_id: str | None = None) -> str:
    """What the office's planning does: a PLANNED inspection with its inspector, on the server."""
    with app.app_context():
        estate = db.session.get(Estate, UUID(seed.estate_ids[1]))
        template = db.session.get(ChecklistTemplate, UUID(template_id or seed.template_id))
        who = db.session.get(User, UUID(inspector_id))
        visit = factories.inspection(estate, template, [who], kind=kind, status=InspectionStatus.PLANNED,
                                     planned_for=utcnow() + timedelta(days=1))
        db.session.commit()
        return str(visit.id)


def test_today_lists_planned_inspections_assigned_to_the_inspector_with_their_kind(ui_server, seed, tablet):
    h = tablet
    with ui_server.app.app_context():
        # A second checklist, written with guidance (检查指引) before it is published.
        from server.domain.models import TemplateStatus

        office = db.session.get(Office, UUID(seed.office_id))
        guided = factories.template(office, sections=1, items_per_section=2, published=False)
        guided.sections[0].items[0].guidance = "查看备案回执和项目负责人到岗记录"
        guided.status, guided.published_at = TemplateStatus.PUBLISHED, utcnow()
        db.session.commit()
        guided_item, guided_id = str(guided.sections[0].items[0].id), str(guided.id)
    random_id = _plan(ui_server.app, seed, InspectionKind.RANDOM, seed.user_id, guided_id)
    complaint_id = _plan(ui_server.app, seed, InspectionKind.COMPLAINT, seed.user_id)
    with ui_server.app.app_context():
        office = db.session.get(Office, UUID(seed.office_id))
        colleague = str(factories.user(office).id)
        db.session.commit()
    others_id = _plan(ui_server.app, seed, InspectionKind.RANDOM, colleague)

    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    h.app.go("today")
    h.settle()
    box = h.screen("today").ids.unfinished
    rows = {w.inspection_id: w for w in box.children if hasattr(w, "inspection_id")}
    assert set(rows) == {random_id, complaint_id}, "only the inspector's own planned inspections"
    assert others_id not in rows
    assert tr("双随机抽查") in rows[random_id].title and tr("投诉核查") in rows[complaint_id].title
    assert "尚未开始" in rows[random_id].detail and "计划于" in rows[random_id].detail

    h.tap(rows[random_id])
    h.settle()
    assert h.screen().name == "checklist" and h.screen("checklist").inspection_id == random_id
    rows = [r for r in h.screen("checklist").ids.item_list.data if r["viewclass"] == "ItemRow"]
    assert len(rows) == 2
    # The item's guidance (检查指引) reaches the tablet and is drawn under its text.
    guided_row = next(r for r in rows if r["item_id"] == guided_item)
    assert guided_row["guidance"] == "查看备案回执和项目负责人到岗记录"
    assert [r["guidance"] for r in rows].count("") == 1
    from tests.tablet_ui_support import item_row

    widget = item_row(h, guided_row["item_id"])
    assert h.find(widget, lambda w: getattr(w, "text", None) == "查看备案回执和项目负责人到岗记录").height > 0


def test_the_status_bar_shows_photo_bytes_growing_to_the_total(ui_server, seed, tablet):
    from mobile.sync.engine import Progress
    from mobile.ui.text import human_bytes

    h = tablet
    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    bar = h.app.root.ids.status_bar
    total = 3 * 1024 * 1024 + 512 * 1024

    def shown(progress: Progress) -> None:
        h.app._progress_from_sync(progress)
        h.wait(lambda: not h.app._progress_scheduled, 5, "the progress to be drawn")
        h.frames(1)

    # The photo phase as the engine reports it: bytes on the wire only grow within a run.
    h.app.syncing = True
    seen = []
    for done in (0, 1024 * 1024, total):
        shown(Progress("photos", done=1, total=2, bytes_done=done, bytes_total=total))
        seen.append((bar.ids.status_text.text, bar.ids.sync_progress.value))
    h.app.syncing = False
    assert seen[0][0] == f"{tr('上传照片')} 0 B / 3.5 MB"
    assert seen[1][0] == f"{tr('上传照片')} 1.0 MB / 3.5 MB" and abs(seen[1][1] - 1 / 3.5) < 1e-6
    assert seen[2][0].endswith("3.5 MB / 3.5 MB") and seen[2][1] == 1
    assert [human_bytes(n) for n in (0, 1023, 1536, 5 * 1024 ** 3)] == ["0 B", "1023 B", "1.5 KB", "5.0 GB"]

    # A pull shows counts, not bytes; the bar follows.
    h.app.syncing = True
    shown(Progress("pull", done=3, total=12, bytes_done=2048))
    h.app.syncing = False
    assert bar.ids.status_text.text == f"{tr('接收')} 3/12" and bar.ids.sync_progress.value == 0.25

    # A burst of reports from the sync thread redraws the bar once, with the latest.
    texts = []
    h.app.bind(status_text=lambda _app, text: texts.append(text))
    h.app.syncing = True
    for done in range(1, 51):
        h.app._progress_from_sync(Progress("pull", done=done, total=50))
    h.wait(lambda: not h.app._progress_scheduled, 5, "the progress to be drawn")
    h.app.syncing = False
    assert texts == [f"{tr('接收')} 50/50"]


def test_after_a_sync_today_shows_the_inspectors_reminders_and_a_tap_marks_one_read(ui_server, seed, tablet):
    h = tablet
    with ui_server.app.app_context():
        estate = db.session.get(Estate, UUID(seed.estate_ids[0]))
        finding = factories.finding(estate)
        office = db.session.get(Office, UUID(seed.office_id))
        colleague = factories.user(office)
        sent = utcnow() - timedelta(hours=2)

        def remind(who, kind, subject, *, delivered=True):
            row = Reminder(finding_id=finding.id, recipient_id=who, channel=Channel.INBOX, kind=kind,
                           scheduled_at=sent, sent_at=sent if delivered else None, subject=subject,
                           body="请于今日完成复查\n第二行")
            db.session.add(row)
            return row

        mine = remind(UUID(seed.user_id), ReminderKind.REVISIT_OVERDUE, "阳光花园 楼道堆物 回头看已逾期")
        remind(UUID(seed.user_id), ReminderKind.NOTICE_ISSUED, "整改通知书已发出")
        remind(UUID(seed.user_id), ReminderKind.REVISIT_DUE, "还没发出的提醒", delivered=False)
        remind(colleague.id, ReminderKind.REVISIT_DUE, "别人的提醒")
        db.session.commit()
        mine_id = str(mine.id)

    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    h.app.go("today")
    h.settle()
    today = h.screen("today")
    rows = {w.reminder_id: w for w in today.ids.reminders.children if hasattr(w, "reminder_id")}
    assert len(rows) == 2 and today.unread == 2, "only the inspector's delivered reminders"
    assert rows[mine_id].title == f"{tr('回头看已逾期')} · 阳光花园 楼道堆物 回头看已逾期"
    assert "请于今日完成复查" in rows[mine_id].detail and "第二行" not in rows[mine_id].detail

    h.tap(rows[mine_id])
    h.settle()
    h.app.go("today")
    h.settle()
    assert today.unread == 1
    h.tap(h.app.root.ids.status_bar.ids.sync_button)
    h.settle()
    h.tap(h.screen("sync").ids.sync_now)
    wait_synced(h)
    with ui_server.app.app_context():
        assert db.session.get(Reminder, UUID(mine_id)).read_at is not None
    assert today.unread == 1


def test_the_inbox_api_refuses_bad_ids_with_a_json_message(ui_server, seed, tmp_path):
    from mobile.store import Store
    from mobile.sync.transport import RequestRefused
    from tests.mobile_helpers import LiveServer, new_tablet

    store: Store = new_tablet(tmp_path / "t", LiveServer(ui_server.url, ui_server.app), seed)
    from mobile.device import http_transport

    transport = http_transport(store)
    assert transport.inbox() == {"unread": 0, "reminders": []}
    for body in ({"ids": ["not-a-uuid"]}, {"ids": "x"}, {}):
        try:
            transport._json(transport._request("POST", "/api/v1/inbox/read", json_body=body))
        except RequestRefused as exc:
            assert exc.status == 400 and exc.code == "bad_request" and "ids" in exc.message
        else:
            raise AssertionError(f"{body} was accepted")
    assert transport.mark_read([str(UUID(int=1))]) == 0


def test_work_asked_for_after_the_app_stopped_is_dropped_not_raised(tablet):
    """A refresh trigger can still fire in the last frame after on_stop shut the lanes down."""
    h = tablet
    h.app.worker.shutdown()
    ran = []
    assert h.app.worker.run(lambda: ran.append(1)) is None
    h.screen("today").refresh()
    h.frames(10)
    assert not ran and h.app.worker.idle
