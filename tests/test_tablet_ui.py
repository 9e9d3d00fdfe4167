"""The tablet app driven through its real widgets in a real window, against a live server."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import sqlalchemy as sa

from server.domain.models import Device, Estate, Finding, FindingStatus, Inspection, Office, Revisit, Role
from server.domain.models.base import utcnow
from server.extensions import db
from tests import factories, mobile_helpers
from tests.mobile_helpers import server_counts
from tests.tablet_ui_support import (  # sets Kivy up; nothing above imports Kivy
    answer,
    camera_dir,
    item_ids,
    pair,
    run_inspection,
    start_inspection,
    tablet,
    take_item_photo,
    tr,
    ui_server,
    wait_synced,
)

seed = mobile_helpers.seed
_fixtures = (camera_dir, tablet, ui_server, seed)


def test_wrong_password_then_pairing_inspection_with_failed_item_and_photo_reaches_the_server(
        ui_server, seed, tablet):
    h = tablet
    pair(h, ui_server.url, seed.username, "wrong-password")
    screen = h.screen("pairing")
    assert h.screen().name == "pairing" and "配对被拒绝" in screen.message

    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    assert h.screen().name == "today" and h.app.sync_state == "synced"

    with ui_server.app.app_context():
        estate_name = db.session.get(Estate, UUID(seed.estate_ids[0])).name
        db.session.remove()
    start_inspection(h, estate_name)
    checklist = h.screen("checklist")
    items = item_ids(h)
    assert len(items) == 6

    # A failure needs its photo: finishing is refused and says which item lacks one.
    answer(h, items[0], tr("不合格"))
    assert checklist.ids.item_list.data[checklist._index[items[0]]]["needs_photo"]
    h.tap(checklist.ids.finish_button)
    h.settle()
    assert not h.screen("finish").finishable and "需要照片" in h.screen("finish").missing
    h.tap(h.button("‹"))
    take_item_photo(h, items[0])
    run_inspection(h, items, fail=items[0])
    wait_synced(h)

    counts = server_counts(ui_server.app)
    assert (counts["inspection"], counts["answer"], counts["finding"]) == (1, 6, 1)
    assert counts["photo_link"] == 2 and counts["photo_stored"] == 2  # two photos taken for the item
    with ui_server.app.app_context():
        assert db.session.scalars(sa.select(Inspection)).one().status.value == "finished"
    assert h.app.sync_state == "synced" and h.app.pending == 0


def test_an_offline_inspection_is_delivered_once_when_the_server_is_back(ui_server, seed, tablet):
    h = tablet
    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    ui_server.stop()

    start_inspection(h, h.screen("today").ids.estates.data[0]["name"])
    items = item_ids(h)
    run_inspection(h, items, fail=items[1])
    wait_synced(h)  # finishing starts a sync; it fails without a server
    assert h.app.sync_state == "offline" and h.app.pending > 0
    assert server_counts(ui_server.app)["inspection"] == 0

    ui_server.start()
    h.tap(h.app.root.ids.status_bar.ids.sync_button)
    h.settle()
    assert h.screen().name == "sync"
    h.tap(h.screen("sync").ids.sync_now)
    wait_synced(h)
    assert h.app.sync_state == "synced"
    once = server_counts(ui_server.app)
    assert (once["inspection"], once["answer"], once["finding"], once["photo_stored"]) == (1, 6, 1, 1)

    h.tap(h.screen("sync").ids.sync_now)
    wait_synced(h)
    assert server_counts(ui_server.app) == once


def test_a_revoked_tablet_ends_on_pairing_with_its_data_wiped(ui_server, seed, tablet):
    h = tablet
    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    store = h.app.store
    assert store.records.count("estate") == 2
    with ui_server.app.app_context():
        from server.domain.devices import revoke_device

        revoke_device(db.session.get(Device, UUID(store.get_meta("device_id"))))
        db.session.commit()
        db.session.remove()

    h.tap(h.app.root.ids.status_bar.ids.sync_button)
    h.tap(h.screen("sync").ids.sync_now)
    wait_synced(h)

    assert h.screen().name == "pairing" and "停用" in h.app.last_toast
    assert not store.is_paired and store.records.count() == 0 and not store.photo_dir.exists()
    assert h.app.sync_state == "unpaired"


def _company_reports_a_fix(app, seed) -> tuple[str, str]:
    """On the server: a finding at the inspector's estate, a notice went out, and the company
    reports it fixed with an after-photo. Returns (finding id, the after-photo's SHA-256)."""
    from server.domain.photos import PhotoLimits, add_photo
    from server.domain.rectification.rectifications import attach_after_photos, report_rectification
    from server.storage import get_photo_store

    with app.app_context():
        estate = db.session.get(Estate, UUID(seed.estate_ids[0]))
        finding = factories.finding(estate, status=FindingStatus.NOTIFIED, description="5栋飞线充电")
        office = db.session.get(Office, UUID(seed.office_id))
        company_user = factories.user(office, role=Role.COMPANY, company_id=estate.company_id)
        rectification = report_rectification(finding, company_user, now=utcnow(), note="已拆除飞线")
        photo = add_photo(get_photo_store(app), factories.jpeg_bytes(800, 600, seed=9),
                          PhotoLimits.from_config(app.config))
        attach_after_photos(rectification, [photo.sha256], company_user)
        db.session.commit()
        ids = str(finding.id), photo.sha256
        db.session.remove()
    return ids


def test_a_revisit_shows_the_companys_after_photo_and_completes(ui_server, seed, tablet):
    h = tablet
    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    finding_id, company_sha = _company_reports_a_fix(ui_server.app, seed)
    h.tap(h.app.root.ids.status_bar.ids.sync_button)
    h.tap(h.screen("sync").ids.sync_now)
    wait_synced(h)

    h.tap(h.button("‹"))
    h.settle()
    today = h.screen("today")
    [row] = [w for w in today.ids.revisits.children if hasattr(w, "revisit_id")]
    h.tap(row)
    h.settle()
    revisit = h.screen("revisit")
    assert h.screen().name == "revisit" and "已拆除飞线" in revisit.reply_text
    [shown] = revisit.company_photos
    assert company_sha in shown["path"] and Path(shown["path"]).exists()
    assert len(revisit.ids.company.ids.row.children) == 1  # its thumbnail is drawn

    h.tap(revisit.ids.complete)  # no result chosen yet: refused, nothing saved
    assert "请选择" in h.app.last_toast
    h.tap(revisit.ids.fixed)
    h.tap(revisit.ids.photo_button)
    h.settle()
    h.type_into(revisit.ids.note, "飞线已拆除")
    h.tap(revisit.ids.complete)
    wait_synced(h)

    assert h.screen().name == "today"
    assert not [w for w in today.ids.revisits.children if hasattr(w, "revisit_id")]
    with ui_server.app.app_context():
        done = db.session.scalars(sa.select(Revisit)).one()
        assert (done.status.value, done.result.value, done.note) == ("done", "fixed", "飞线已拆除")
        assert db.session.get(Finding, UUID(finding_id)).status == FindingStatus.CLOSED
        db.session.remove()


def test_settings_switch_language_at_once_and_unpairing_says_what_would_be_lost(ui_server, seed, tablet):
    h = tablet
    pair(h, ui_server.url, seed.username)
    wait_synced(h)
    ui_server.stop()  # what is recorded now cannot be sent
    today = h.screen("today")
    h.tap(h.button(tr("记录问题"), today.ids.estates))
    finding = h.screen("finding")
    h.type_into(finding.ids.description, "消防通道堆放杂物")
    h.tap(finding.ids.save)
    h.settle()
    assert h.screen().name == "today"
    # The waiting count is refreshed by a throttled trigger after the store lane commits.
    h.wait(lambda: h.app.pending == 1, what="the new finding counted as waiting")

    h.tap(h.button(tr("设置")))
    settings = h.screen("settings")
    h.tap(settings.ids.lang_en)
    h.frames(2)
    assert h.app.root.ids.status_bar.ids.sync_button.text == "Sync"
    assert settings.ids.unpair.text == "Unpair this tablet"
    h.tap(settings.ids.lang_zh)
    h.frames(2)
    assert settings.ids.unpair.text == "注销此平板"

    h.tap(settings.ids.unpair)
    h.settle()
    dialog = h.modal("ConfirmDialog")
    assert "还有1条记录" in dialog.message and "永久丢失" in dialog.message
    h.tap(dialog.ids.cancel)  # thought better of it: nothing is lost
    h.settle()
    assert h.app.store.is_paired and h.app.pending == 1

    h.tap(settings.ids.unpair)
    h.settle()
    dialog = h.modal("ConfirmDialog")
    h.tap(dialog.ids.ok)
    h.settle()
    assert h.screen().name == "pairing" and not h.app.store.is_paired
    assert h.app.store.records.count() == 0
