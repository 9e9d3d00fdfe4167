"""Reads for the tablet's screens, China-time helpers, the photo queue and pruning (no server)."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime

import pytest

from mobile import reads
from mobile.checklist import Checklist
from mobile.fieldday import camera_jpeg
from mobile.findings import link_photo, record_finding
from mobile.photoqueue import CANCELLED, DONE, FAILED, PhotoQueue, PhotoQueueFull
from mobile.photos import process_photo
from mobile.pruning import prune, storage_used
from mobile.store import Store
from mobile.timeutil import due_state, local_text
from tests import test_mobile_core as core

store = core.store  # fixture
ESTATE, ITEMS, TEMPLATE, USER, photo = core.ESTATE, core.ITEMS, core.TEMPLATE, core.USER, core.photo

# 2026-12-04 10:00 in Beijing.
NOW = datetime(2026, 12, 4, 2, 0)


def add_estate(store: Store, name: str, address: str = "", **extra) -> str:
    estate_id = str(uuid.uuid4())
    store.records.apply_remote("estate", estate_id, {"name": name, "address": address, **extra}, None, 1)
    return estate_id


def add_revisit(store: Store, finding_id: str, due_at: str, inspector: str | None = USER) -> str:
    revisit_id = str(uuid.uuid4())
    store.records.apply_remote("revisit", revisit_id, {
        "finding_id": finding_id, "inspector_id": inspector, "due_at": due_at, "status": "pending",
        "result": None}, None, 50)
    return revisit_id


# -- China time ----------------------------------------------------------------------------------

def test_deadlines_read_in_china_time_and_fall_on_the_china_date():
    assert local_text("2026-12-04T15:59:59.000Z", now=NOW) == "12月4日 23:59"
    assert local_text("2025-12-04T15:59:59.000Z", now=NOW) == "2025-12-04 23:59"
    assert local_text("2026-12-04T16:30:00.000Z", with_time=False, now=NOW) == "12月5日"
    assert local_text(None) == ""
    # 15:59:59Z is still the 4th in Beijing: due today, not yesterday (the UTC date would say so too,
    # but 16:00Z is already the 5th: upcoming, where the UTC date says today).
    assert due_state("2026-12-04T15:59:59.000Z", NOW) == "today"
    assert due_state("2026-12-04T16:00:00.000Z", NOW) == "upcoming"
    assert due_state("2026-12-03T15:59:59.000Z", NOW) == "overdue"
    assert due_state("2026-12-03T17:00:00.000Z", datetime(2026, 12, 3, 17, 30)) == "today"


# -- the status bar and the estate picker --------------------------------------------------------

def test_estates_are_found_by_name_address_and_pinyin_initials(store):
    company = str(uuid.uuid4())
    store.records.apply_remote("company", company, {"name": "苏州物业有限公司"}, None, 1)
    add_estate(store, "阳光小区", "人民路 8 号", company_id=company)
    add_estate(store, "月亮湾", "干将路 1 号")
    for n in range(40):
        add_estate(store, f"测试小区{n:02d}", f"工业园区{n}号")

    assert [h.name for h in reads.search_estates(store, "ygh")] == ["阳光花园"]
    assert [h.name for h in reads.search_estates(store, "YG")] == ["阳光花园", "阳光小区"]
    assert [h.name for h in reads.search_estates(store, "光")] == ["阳光花园", "阳光小区"]
    assert [h.name for h in reads.search_estates(store, "亮")] == ["月亮湾"]
    hit = reads.search_estates(store, "人民路")[0]
    assert (hit.name, hit.company_name, hit.open_findings) == ("阳光小区", "苏州物业有限公司", 0)
    page1, page2 = reads.search_estates(store, "csxq", limit=30), reads.search_estates(store, "csxq", 30, 30)
    assert len(page1) == 30 and len(page2) == 10 and not {h.id for h in page1} & {h.id for h in page2}
    # A renamed estate is found under its new name only; a removed one not at all.
    store.records.apply_remote("estate", ESTATE, {"name": "金色家园"}, None, 9)
    assert not reads.search_estates(store, "ygh") and reads.search_estates(store, "jsjy")[0].id == ESTATE
    store.records.apply_remote("estate", ESTATE, None, None, 10, deleted=True)
    assert not reads.search_estates(store, "jsjy")


def test_the_status_summary_counts_what_waits_and_what_is_due(store):
    finding = record_finding(store, ESTATE, "消防通道占用", "severe", "楼道堆物", photos=[photo(store)])
    add_revisit(store, finding.id, "2026-12-03T15:59:59.000Z")  # overdue
    due_today = add_revisit(store, finding.id, "2026-12-04T15:59:59.000Z")
    add_revisit(store, finding.id, "2026-12-09T15:59:59.000Z")  # upcoming
    add_revisit(store, finding.id, "2026-12-01T15:59:59.000Z", inspector=str(uuid.uuid4()))  # not mine

    summary = reads.status_summary(store, now=NOW)
    assert (summary.pending_records, summary.pending_photos) == (2, 1)  # the finding and its photo link
    assert summary.pending_photo_bytes == store.photos.waiting_bytes() > 0
    assert (summary.revisits_due, summary.unread, summary.rejected, summary.blocked) == (2, 3, 0, False)
    reads.mark_seen(store, "revisit", due_today)
    assert reads.status_summary(store, now=NOW).unread == 2

    view = reads.today(store, now=NOW)
    assert [r.due_state for r in view.revisits] == ["overdue", "today", "upcoming"]
    assert [r.due_text for r in view.revisits_due] == ["12月3日 23:59", "12月4日 23:59"]
    assert view.revisits[0].estate_name == "阳光花园" and not view.revisits[1].unread
    assert [(e.estate_name, e.open) for e in view.open_findings] == [("阳光花园", 1)]


def test_today_lists_unfinished_inspections_with_their_progress(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[1], "pass")
    checklist.answer(ITEMS[2], "fail")
    (row,) = reads.today(store, now=NOW).unfinished
    assert (row.id, row.estate_name, row.answered, row.total) == (checklist.inspection_id, "阳光花园", 2, 4)
    assert [f.open for f in reads.today(store, now=NOW).open_findings] == [1]
    assert reads.current_template(store).id == TEMPLATE
    assert reads.categories(store) == ["消防通道占用"]


def test_waiting_and_rejected_items_read_as_words_with_the_servers_reason(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[0], "fail", note="消防通道堆放杂物")
    checklist.attach_photo(ITEMS[0], photo(store))
    labels = [i.label for i in reads.waiting_items(store)]
    assert "检查 · 阳光花园" in labels and "问题 · 消防通道占用 · 阳光花园" in labels
    assert any(label.startswith("检查项 · 1.1 检查项1.1") for label in labels)
    assert labels[-1].startswith("照片 ") and labels[-1].endswith(" KB")
    store.records.mark("finding", checklist.findings()[0].id, state="rejected", code="invalid",
                       message="整改期限超过一年 (deadline too far)")
    (item,) = reads.rejected_items(store)
    assert (item.kind, item.reason) == ("finding", "整改期限超过一年 (deadline too far)")
    assert reads.status_summary(store).rejected == 1


# -- the photo queue -----------------------------------------------------------------------------

def test_the_photo_queue_processes_links_and_reports_on_its_worker(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[0], "fail")
    queue = PhotoQueue(store, workers=1)
    done, errors = [], []
    good = queue.submit(camera_jpeg(1, 640, 480), attach=lambda p: checklist.attach_photo(ITEMS[0], p),
                        estate="阳光花园", on_done=done.append)
    bad = queue.submit(b"not a photo", attach=lambda p: checklist.attach_photo(ITEMS[0], p),
                       on_error=errors.append)
    assert good.wait(30) and bad.wait(30)
    queue.shutdown()
    assert (good.state, bad.state) == (DONE, FAILED) and done == [good] and errors == [bad]
    assert "不是有效的图片" in str(bad.error)
    assert good.result["photo_sha256"] == good.photo.sha256 and checklist.state(ITEMS[0]).photos == 1
    assert store.photos.waiting_count() == 1 and queue.pending() == 0


def test_the_photo_queue_is_bounded_and_a_cancelled_photo_is_never_linked(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[0], "fail")
    gate = threading.Event()

    def slow_process(*args, **kwargs):
        gate.wait(30)  # the worker is busy with the first photo
        return process_photo(*args, **kwargs)

    queue = PhotoQueue(store, workers=1, max_waiting=2, process=slow_process)
    attach = lambda p: checklist.attach_photo(ITEMS[0], p)  # noqa: E731
    first = queue.submit(camera_jpeg(1, 320, 240), attach=attach, key=ITEMS[0])
    while first.state == "waiting":
        first.wait(0.01)
    second = queue.submit(camera_jpeg(2, 320, 240), attach=attach, key=ITEMS[0])
    queue.submit(camera_jpeg(3, 320, 240), attach=attach, key="other")
    with pytest.raises(PhotoQueueFull, match="照片正在处理"):
        queue.submit(camera_jpeg(4, 320, 240), attach=attach)
    # The inspector turns the item to pass: its photos in the queue are dropped.
    assert queue.cancel_key(ITEMS[0]) == 2 and queue.pending() == 1
    gate.set()
    queue.shutdown()
    assert first.state == second.state == CANCELLED and first.photo is not None
    assert not first.photo.path.exists()  # processed, then discarded
    assert checklist.state(ITEMS[0]).photos == 0 and store.photos.count() == 0


def test_a_photo_whose_link_was_removed_is_never_uploaded(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[0], "fail")
    checklist.attach_photo(ITEMS[0], photo(store))
    assert store.photos.waiting_count() == 1
    checklist.answer(ITEMS[0], "pass")  # the finding and its unsent photo link go
    assert store.photos.waiting() == [] and store.photos.waiting_bytes() == 0
    assert reads.status_summary(store).pending_photos == 0


# -- pruning -------------------------------------------------------------------------------------

def test_pruning_frees_old_uploaded_photos_and_closed_history_but_keeps_what_is_open(store):
    kept = photo(store, 1)
    record_finding(store, ESTATE, "消防通道占用", "severe", "仍未整改", photos=[kept])
    old_closed = str(uuid.uuid4())
    gone = photo(store, 2)
    store.records.apply_remote("finding", old_closed, {
        "estate_id": ESTATE, "category": "其他", "severity": "minor", "status": "closed",
        "closed_at": "2026-01-05T02:00:00.000Z"}, None, 60)
    with store.transaction():
        link_photo(store, gone, finding_id=old_closed)
    store.outbox.drop_open("photo_link", store.records.find("photo_link", finding_id=old_closed)[0].id)
    store.records.mark("photo_link", store.records.find("photo_link", finding_id=old_closed)[0].id,
                       state="synced", on_server=True)
    with store.transaction() as conn:
        conn.execute("UPDATE photo SET state = 'uploaded', created_at = '2026-01-01T00:00:00.000Z'")
    orphan = photo(store, 3)
    with store.transaction():
        store.photos.add(orphan.sha256, orphan.path, orphan.thumb_path, orphan.size, 320, 240)
        store.conn.execute("UPDATE photo SET created_at = '2026-12-01T00:00:00.000Z' WHERE sha256 = ?",
                           (orphan.sha256,))
    before = storage_used(store)

    report = prune(store, keep_days=30, now=NOW)
    assert report.photos == 2 and report.records == 2  # the closed finding and its link
    assert store.photos.get(kept.sha256) is not None and kept.path.exists()
    assert store.photos.get(gone.sha256) is None and not gone.path.exists() and not orphan.path.exists()
    assert store.records.get("finding", old_closed) is None
    assert storage_used(store) <= before - report.bytes_freed + 65536  # the WAL may grow a page
    assert prune(store, keep_days=30, now=NOW).photos == 0
