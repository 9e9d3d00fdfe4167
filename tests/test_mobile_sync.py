"""The tablet core against the real server: whole syncs, conflicts, revisits, revocation,
replayed batches, resumed photo uploads, and a network that cuts and stalls."""

from __future__ import annotations

from uuid import UUID

import pytest
import sqlalchemy as sa

from mobile.checklist import Checklist
from mobile.fieldday import camera_jpeg, record_day
from mobile.findings import complete_revisit, pending_revisits, record_finding, revisit_view
from mobile.photos import process_photo
from mobile.sync.engine import SyncBlocked
from mobile.sync.transport import DeviceRevoked, HttpTransport
from server.domain.models import (
    Device,
    Finding,
    FindingStatus,
    Inspection,
    Office,
    PhotoLink,
    Revisit,
    Role,
)
from server.domain.models.base import utcnow
from server.extensions import db
from tests import factories, mobile_helpers
from tests.mobile_helpers import FlakyProxy, engine_for, new_tablet, server_counts

live_server, seed = mobile_helpers.live_server, mobile_helpers.seed  # fixtures


def local_counts(store) -> dict[str, int]:
    return {kind: store.records.count(kind) for kind in ("inspection", "answer", "finding", "photo_link")}


def test_an_offline_day_syncs_completely(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    assert store.records.count("estate") == 2 and store.records.count("checklist_item") == 6

    day = record_day(store, inspections=3, photos_per_inspection=2, adhoc_findings=2, seed=1)
    progress = []
    report = engine_for(store, progress=progress.append).run()

    assert store.outbox.count() == 0 and store.photos.count("local") == 0
    assert not store.records.not_synced()
    server = server_counts(live_server.app)
    assert {k: server[k] for k in ("inspection", "answer", "finding", "photo_link")} == local_counts(store)
    assert server["photo_stored"] == day.photos
    assert report.photos_uploaded == day.photos and report.pushed.rejected == 0
    assert {"pull", "push", "photos", "done"} <= {p.phase for p in progress}
    with live_server.app.app_context():
        for inspection in db.session.scalars(sa.select(Inspection)):
            # The server scored each finished inspection with the same shared function.
            assert inspection.status.value == "finished"
            assert str(inspection.score) == str(Checklist.open(store, str(inspection.id)).score()[0])
    # A second sync has nothing to send and changes nothing.
    again = engine_for(store).run()
    assert again.pushed.accepted == 0 and again.photos_uploaded == 0
    assert server_counts(live_server.app) == server


def test_a_batch_whose_reply_was_lost_is_sent_again_with_the_same_id(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    record_finding(store, seed.estate_ids[0], "飞线充电", "severe", "5栋楼道飞线充电", location="5栋1单元")
    batch = store.outbox.make_batch()
    transport = HttpTransport(live_server.url, store.get_meta("token"))
    transport.push(batch.body)  # the server applies it; the reply is "lost"

    engine_for(store).run()

    assert store.outbox.count() == 0 and store.outbox.open_batch() is None
    assert server_counts(live_server.app)["finding"] == 1
    with live_server.app.app_context():
        assert db.session.execute(sa.text("SELECT count(*) FROM sync_batch")).scalar() == 1


def test_a_pull_merges_a_newer_server_edit_over_an_older_local_one(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    finding = record_finding(store, seed.estate_ids[0], "楼道堆放杂物", "minor", "纸箱", location="3栋")
    engine_for(store).run()
    other = new_tablet(tmp_path / "other", live_server, seed, name="备用平板")
    engine_for(other).run()
    mine = store.records.update("finding", finding.id, {"description": "纸箱（旧）", "location": "3栋2单元"})
    other.observe([mine.clocks["description"]])
    other.records.update("finding", finding.id, {"description": "纸箱和旧家具"})
    engine_for(other).run()

    engine_for(store).run()

    mine = store.records.get("finding", finding.id)
    assert (mine["description"], mine["location"]) == ("纸箱和旧家具", "3栋2单元")
    with live_server.app.app_context():
        row = db.session.get(Finding, UUID(finding.id))
        assert (row.description, row.location) == ("纸箱和旧家具", "3栋2单元")


def test_a_newer_server_edit_wins_and_the_tablet_takes_it(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    finding = record_finding(store, seed.estate_ids[0], "楼道堆放杂物", "minor", "纸箱", location="3栋")
    engine_for(store).run()
    # Another tablet (the same inspector's second device) edits later; this one edits earlier
    # but syncs last.
    other = new_tablet(tmp_path / "other", live_server, seed, name="备用平板")
    engine_for(other).run()
    mine = store.records.update("finding", finding.id, {"description": "纸箱（旧）"})
    other.observe([mine.clocks["description"]])  # the other edit is later by the hybrid clock
    other.records.update("finding", finding.id, {"description": "纸箱和旧家具"})
    engine_for(other).run()

    # Push before pulling (the server's newer edit arrived between this tablet's pull and push).
    from mobile.sync import push

    outcome = push.run(engine_for(store).ctx)

    assert outcome.conflicts == 1
    assert store.records.get("finding", finding.id)["description"] == "纸箱和旧家具"
    assert store.outbox.count() == 0
    with live_server.app.app_context():
        assert db.session.get(Finding, UUID(finding.id)).description == "纸箱和旧家具"


def test_a_record_the_server_refuses_is_kept_and_marked(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    finding = record_finding(store, seed.estate_ids[0], "漏雨渗水", "major", "顶楼渗水")
    engine_for(store).run()
    from mobile.findings import close_on_site

    close_on_site(store, finding.id, "已清理")
    action = close_on_site(store, finding.id, "再次销号")  # the second is refused: already closed

    report = engine_for(store).run()

    assert report.pushed.rejected == 1
    refused = store.records.get("finding_action", action.id)
    assert refused.sync_state == "rejected" and refused.reject_message
    assert store.records.get("finding", finding.id)["status"] == "closed"


def test_a_revisit_round_trips_from_server_to_tablet_and_back(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    evidence = process_photo(camera_jpeg(7, 800, 600), store.photo_dir, estate="测试花园", location="5栋")
    finding = record_finding(store, seed.estate_ids[0], "飞线充电", "severe", "5栋飞线充电",
                             location="5栋1单元", photos=[evidence])
    engine_for(store).run()
    app = live_server.app
    with app.app_context():
        from server.domain.rectification.rectifications import report_rectification

        row = db.session.get(Finding, UUID(finding.id))
        row.status = FindingStatus.NOTIFIED  # a notice went out (the dashboard's work)
        office = db.session.get(Office, UUID(seed.office_id))
        company_user = factories.user(office, role=Role.COMPANY, company_id=row.estate.company_id)
        report_rectification(row, company_user, now=utcnow(), note="已拆除飞线")
        db.session.commit()

    # A second tablet of the inspector, fresh: it gets the revisit, the finding and its photo.
    fresh = new_tablet(tmp_path / "fresh", live_server, seed, name="新平板")
    engine_for(fresh).run()
    [view] = pending_revisits(fresh)
    assert view.finding.id == finding.id and view.finding["description"] == "5栋飞线充电"
    assert [link["photo_sha256"] for link in view.evidence] == [evidence.sha256]
    held = fresh.photos.get(evidence.sha256)
    assert held is not None and held.path.read_bytes() == evidence.path.read_bytes()

    after = process_photo(camera_jpeg(8, 800, 600), fresh.photo_dir, estate="测试花园", location="5栋")
    complete_revisit(fresh, view.revisit.id, "fixed", "飞线已拆除", photos=[after])
    engine_for(fresh).run()

    with app.app_context():
        revisit = db.session.get(Revisit, UUID(view.revisit.id))
        assert revisit.status.value == "done" and revisit.result.value == "fixed"
        assert db.session.get(Finding, UUID(finding.id)).status == FindingStatus.CLOSED
        links = db.session.scalars(sa.select(PhotoLink).where(PhotoLink.revisit_id == revisit.id)).all()
        assert [(link.photo_sha256, link.role.value) for link in links] == [(after.sha256, "after")]
    assert not pending_revisits(fresh)
    assert revisit_view(fresh, view.revisit.id).revisit["status"] == "done"


def test_a_revoked_tablet_wipes_its_data(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    record_day(store, inspections=1, photos_per_inspection=1, adhoc_findings=0)
    with live_server.app.app_context():
        from server.domain.devices import revoke_device

        revoke_device(db.session.get(Device, UUID(store.get_meta("device_id"))))
        db.session.commit()

    with pytest.raises(DeviceRevoked):
        engine_for(store).run()

    assert not store.is_paired and store.records.count() == 0 and store.outbox.count() == 0
    assert store.photos.count() == 0 and not store.photo_dir.exists()
    assert store.conn.execute("SELECT (SELECT count(*) FROM estate_search) + (SELECT count(*) FROM seen)"
                              ).fetchone()[0] == 0  # nor what the screens' reads keep


def test_please_update_stops_syncing_and_keeps_the_data(live_server, seed, tmp_path, monkeypatch):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    record_finding(store, seed.estate_ids[0], "飞线充电", "severe", "飞线")
    import server.api.auth

    monkeypatch.setattr(server.api.auth, "MIN_SCHEMA_VERSION", 2)

    with pytest.raises(SyncBlocked):
        engine_for(store).run()
    with pytest.raises(SyncBlocked):  # no request at all until the app is updated
        engine_for(store).run()
    assert store.outbox.count() == 1 and store.records.count("finding") == 1


def test_a_photo_upload_resumes_from_the_servers_offset(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    photo = process_photo(camera_jpeg(3, 1600, 1200), store.photo_dir, estate="测试花园")
    record_finding(store, seed.estate_ids[0], "飞线充电", "severe", "飞线", photos=[photo])
    transport = HttpTransport(live_server.url, store.get_meta("token"))
    data = photo.path.read_bytes()
    half = len(data) // 2
    assert transport.upload_photo(photo.sha256, 0, data[:half], len(data)) == (half, False)

    seen = []
    real_upload = transport.upload_photo
    engine = engine_for(store)
    engine.transport.upload_photo = lambda sha, offset, chunk, total: (
        seen.append(offset) or real_upload(sha, offset, chunk, total))
    engine.run()

    assert seen[0] == half
    assert server_counts(live_server.app)["photo_stored"] == 1 and store.photos.count("local") == 0


def test_a_network_that_cuts_and_stalls_still_converges(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    port = int(live_server.url.rsplit(":", 1)[1])
    proxy = FlakyProxy(port, seed=42, cut_rate=0.35, max_cut=120_000, stall_rate=0.1, stall_seconds=1.2)
    try:
        def sync_until_done():
            for _ in range(40):
                try:
                    return engine_for(store, url=proxy.url, timeout=(2.0, 0.8), attempts=30).run()
                except Exception as exc:  # noqa: BLE001 - retries ran out; run again as the app would
                    last = exc
            raise AssertionError(f"did not converge: {last}")

        sync_until_done()
        recorded = record_day(store, inspections=3, photos_per_inspection=2, adhoc_findings=1, seed=5,
                              photo_size=(1200, 900))
        sync_until_done()
    finally:
        proxy.close()

    assert proxy.cuts > 0 and proxy.stalls > 0
    assert store.outbox.count() == 0 and store.photos.count("local") == 0
    server = server_counts(live_server.app)
    assert {k: server[k] for k in ("inspection", "answer", "finding", "photo_link")} == local_counts(store)
    assert server["photo_stored"] == recorded.photos
