"""Reads for the tablet's screens, China-time helpers, the photo queue and pruning (no server)."""

from __future__ import annotations

import uuid
from datetime import datetime

from mobile import reads
from mobile.checklist import Checklist
from mobile.findings import record_finding
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
