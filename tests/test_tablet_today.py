"""Today lists what the office planned for the inspector (双随机, 投诉核查) after a sync, and the status
bar shows photo bytes as they go up: both in the real window against a live server."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from server.domain.models import ChecklistTemplate, Estate, InspectionKind, InspectionStatus, Office, User
from server.domain.models.base import utcnow
from server.extensions import db
from tests import factories, mobile_helpers
from tests.tablet_ui_support import camera_dir, pair, tablet, tr, ui_server, wait_synced  # Kivy first

seed = mobile_helpers.seed
_fixtures = (camera_dir, tablet, ui_server, seed)


def _plan(app, seed, kind: InspectionKind, inspector_id: str) -> str:
    """What the office's planning does: a PLANNED inspection with its inspector, on the server."""
    with app.app_context():
        estate = db.session.get(Estate, UUID(seed.estate_ids[1]))
        template = db.session.get(ChecklistTemplate, UUID(seed.template_id))
        who = db.session.get(User, UUID(inspector_id))
        visit = factories.inspection(estate, template, [who], kind=kind, status=InspectionStatus.PLANNED,
                                     planned_for=utcnow() + timedelta(days=1))
        db.session.commit()
        return str(visit.id)


def test_today_lists_planned_inspections_assigned_to_the_inspector_with_their_kind(ui_server, seed, tablet):
    h = tablet
    random_id = _plan(ui_server.app, seed, InspectionKind.RANDOM, seed.user_id)
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
    assert len([r for r in h.screen("checklist").ids.item_list.data if r["viewclass"] == "ItemRow"]) == 6


def test_the_status_bar_shows_photo_bytes_growing_to_the_total(ui_server, seed, tablet):
    from mobile.sync.engine import Progress
    from mobile.ui.text import human_bytes

    h = tablet
    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    bar = h.app.root.ids.status_bar
    total = 3 * 1024 * 1024 + 512 * 1024
    # The photo phase as the engine reports it: bytes on the wire only grow within a run.
    h.app.syncing = True
    seen = []
    for done in (0, 1024 * 1024, total):
        h.app._progress_from_sync(Progress("photos", done=1, total=2, bytes_done=done, bytes_total=total))
        h.frames(2)
        seen.append((bar.ids.status_text.text, bar.ids.sync_progress.value))
    h.app.syncing = False
    assert seen[0][0] == f"{tr('上传照片')} 0 B / 3.5 MB"
    assert seen[1][0] == f"{tr('上传照片')} 1.0 MB / 3.5 MB" and abs(seen[1][1] - 1 / 3.5) < 1e-6
    assert seen[2][0].endswith("3.5 MB / 3.5 MB") and seen[2][1] == 1
    assert [human_bytes(n) for n in (0, 1023, 1536, 5 * 1024 ** 3)] == ["0 B", "1023 B", "1.5 KB", "5.0 GB"]

    # A pull shows counts, not bytes; the bar follows.
    h.app.syncing = True
    h.app._progress_from_sync(Progress("pull", done=3, total=12, bytes_done=2048))
    h.frames(2)
    h.app.syncing = False
    assert bar.ids.status_text.text == f"{tr('接收')} 3/12" and bar.ids.sync_progress.value == 0.25
