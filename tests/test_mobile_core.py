"""The tablet core without a server: store and outbox, checklist engine, findings, photo pipeline."""

from __future__ import annotations

import io
import json
import sqlite3
import uuid

import pytest
from PIL import Image

from mobile.checklist import Checklist, ChecklistError, answer_id_for
from mobile.fieldday import camera_jpeg
from mobile.findings import FindingError, complete_revisit, pending_revisits, record_finding
from mobile.photos import PhotoError, pipeline, process_photo
from mobile.store import ImmutableField, InvalidRecord, Store
from mobile.store.migrations import LATEST
from mobile.sync.apply import apply_push_reply
from shared_schema.scoring import compute_score

ESTATE, TEMPLATE, SECTION = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
ITEMS = [str(uuid.uuid4()) for _ in range(4)]
USER = str(uuid.uuid4())


@pytest.fixture
def store(tmp_path) -> Store:
    """A tablet holding what a bootstrap would have brought: an estate and a 4-item template."""
    store = Store(tmp_path / "tablet")
    store.set_meta("device_id", str(uuid.uuid4()))
    store.set_meta("user_id", USER)
    apply = store.records.apply_remote
    apply("estate", ESTATE, {"name": "阳光花园", "region_code": "320505001"}, None, 1)
    apply("checklist_template", TEMPLATE, {"name": "物业服务检查表", "version": 1, "status": "published"},
          None, 2)
    apply("checklist_section", SECTION, {"template_id": TEMPLATE, "position": 1, "title": "消防安全"},
          None, 3)
    for n, item in enumerate(ITEMS, 1):
        apply("checklist_item", item, {
            "section_id": SECTION, "position": n, "code": f"1.{n}", "text": f"检查项1.{n}",
            "category": "消防通道占用", "points": n, "default_severity": "severe",
            "rectification_days": 3, "photo_required_on_fail": n == 1}, None, 3 + n)
    return store


def photo(store: Store, seed: int = 1):
    return process_photo(camera_jpeg(seed, 320, 240), store.photo_dir, estate="阳光花园")


# -- store and outbox ---------------------------------------------------------------------------

def test_the_store_migrates_once_and_uses_wal(tmp_path):
    Store(tmp_path).close()
    again = Store(tmp_path)
    assert again.conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert again.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_local_write_and_its_outbox_entry_commit_together(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    with pytest.raises(RuntimeError), store.transaction():
        checklist.answer(ITEMS[1], "pass")
        raise RuntimeError("the app died mid-write")
    assert store.records.get("answer", answer_id_for(checklist.inspection_id, ITEMS[1])) is None
    assert store.outbox.counts_by_kind() == {"inspection": 1}


def test_repeated_edits_of_one_record_coalesce_into_one_outbox_entry(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[1], "pass")
    checklist.answer(ITEMS[1], "na")
    checklist.set_note(ITEMS[1], "无电梯")
    entries = store.conn.execute("SELECT fields FROM outbox WHERE kind = 'answer'").fetchall()
    assert len(entries) == 1 and {"result", "note"} <= set(json.loads(entries[0][0]))


def test_an_edit_during_an_unanswered_batch_gets_its_own_entry_and_survives_the_reply(store):
    finding = record_finding(store, ESTATE, "飞线充电", "severe", "飞线")
    batch = store.outbox.make_batch()
    store.records.update("finding", finding.id, {"description": "飞线充电，已拍照"})
    assert store.outbox.make_batch().batch_id == batch.batch_id  # the batch is reused, unchanged

    apply_push_reply(store, batch, {"results": [{"kind": "finding", "id": finding.id, "status": "accepted"}]})

    assert store.outbox.count() == 1 and store.records.get("finding", finding.id).sync_state == "pending"
    [wire] = store.outbox.make_batch().body["records"]
    assert wire["fields"]["description"] == "飞线充电，已拍照" and "description" in wire["clocks"]


def test_a_pull_keeps_a_newer_local_edit_and_takes_the_rest(store):
    finding = record_finding(store, ESTATE, "飞线充电", "severe", "飞线", location="5栋")
    store.records.apply_remote("finding", finding.id, {**finding.data, "description": "旧描述",
                                                        "location": "6栋", "status": "notified"},
                               {"description": "0000000000001-0000-server",
                                "location": "9999999999999-0000-x"})
    merged = store.records.get("finding", finding.id)
    assert (merged["description"], merged["location"], merged["status"]) == ("飞线", "6栋", "notified")


def test_a_tombstone_never_removes_a_record_waiting_in_the_outbox(store):
    finding = record_finding(store, ESTATE, "飞线充电", "severe", "飞线")
    store.records.apply_remote("finding", finding.id, None, None, deleted=True)
    assert store.records.get("finding", finding.id) is not None


def test_server_owned_and_create_only_fields_are_guarded(store):
    finding = record_finding(store, ESTATE, "飞线充电", "severe", "飞线")
    with pytest.raises(InvalidRecord):
        store.records.update("finding", finding.id, {"status": "closed"})
    with pytest.raises(InvalidRecord):
        store.records.update("finding", finding.id, {"severity": "catastrophic"})
    store.records.mark("finding", finding.id, state="synced", on_server=True)
    with pytest.raises(ImmutableField):
        store.records.update("finding", finding.id, {"found_at": "2026-01-01T00:00:00.000Z"})


def test_local_stamps_never_go_backwards(tmp_path):
    wall = [2_000_000_000_000]
    store = Store(tmp_path, wall=lambda: wall[0])
    store.set_meta("device_id", "abcdef12-0000-0000-0000-000000000000")
    first = store.stamp()
    wall[0] -= 60_000  # the tablet's clock is set back a minute
    store.close()
    reopened = Store(tmp_path, wall=lambda: wall[0])
    assert reopened.stamp() > first and first.endswith("-abcdef12")


# -- checklist engine ---------------------------------------------------------------------------

def test_failing_an_item_files_a_finding_with_its_category_severity_and_due_date(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    state = checklist.answer(ITEMS[2], "fail", note="消防通道堆放杂物", location="3栋")
    finding = state.finding
    assert (finding["category"], finding["severity"]) == ("消防通道占用", "severe")
    assert finding["location"] == "3栋"
    assert finding["item_id"] == ITEMS[2] and finding["inspection_id"] == checklist.inspection_id
    assert finding["due_at"] > finding["found_at"] and "消防通道堆放杂物" in finding["description"]


def test_an_item_changed_from_fail_to_pass_drops_its_unsent_finding(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[0], "fail")
    checklist.attach_photo(ITEMS[0], photo(store))
    checklist.answer(ITEMS[0], "pass")
    assert checklist.findings() == [] and store.outbox.counts_by_kind().keys() == {"inspection", "answer"}


def test_a_failed_item_that_needs_a_photo_blocks_the_finish_until_it_has_one(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    for item in ITEMS[1:]:
        checklist.answer(item, "pass")
    with pytest.raises(ChecklistError, match="未检查"):
        checklist.finish()
    assert checklist.answer(ITEMS[0], "fail").needs_photo
    with pytest.raises(ChecklistError, match="照片"):
        checklist.finish()
    checklist.attach_photo(ITEMS[0], photo(store))
    assert checklist.finish()["status"] == "finished"
    with pytest.raises(ChecklistError):
        checklist.answer(ITEMS[1], "fail")


def test_the_score_is_the_shared_rule_over_the_answers(store):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    for item, result in zip(ITEMS, ["na", "pass", "fail", "pass"], strict=True):
        checklist.answer(item, result)
    assert checklist.score() == compute_score([(2, "pass"), (3, "fail"), (4, "pass")])
    assert str(checklist.score()[0]) == "66.67"


def test_an_inspection_paused_by_closing_the_app_resumes_where_it_was(store, tmp_path):
    checklist = Checklist.start(store, ESTATE, TEMPLATE)
    checklist.answer(ITEMS[1], "pass", note="良好")
    store.close()
    resumed = Checklist.open(Store(tmp_path / "tablet"), checklist.inspection_id)
    assert resumed.progress().answered == 1 and resumed.state("1.2").answer["note"] == "良好"
    assert [r.id for r in Checklist.unfinished(resumed.store)] == [checklist.inspection_id]


# -- findings and revisits ----------------------------------------------------------------------

def test_an_ad_hoc_finding_with_photos_is_recorded_in_one_go(store):
    finding = record_finding(store, ESTATE, "楼道堆放杂物", "minor", "纸箱", location="2栋1单元",
                             photos=[photo(store, 1), photo(store, 2)])
    links = store.records.find("photo_link", finding_id=finding.id)
    assert len(links) == 2 and {link["role"] for link in links} == {"evidence"}
    assert store.photos.count("local") == 2
    with pytest.raises(FindingError):
        record_finding(store, ESTATE, "楼道堆放杂物", "dreadful", "纸箱")


def test_a_fixed_revisit_needs_a_photo_of_the_fix(store):
    finding_id, revisit_id = str(uuid.uuid4()), str(uuid.uuid4())
    store.records.apply_remote("finding", finding_id, {"estate_id": ESTATE, "category": "飞线充电",
                                                       "status": "rectified_reported"}, None, 20)
    store.records.apply_remote("revisit", revisit_id, {"finding_id": finding_id, "inspector_id": USER,
                                                       "status": "pending", "result": None}, None, 21)
    assert [v.revisit.id for v in pending_revisits(store)] == [revisit_id]
    with pytest.raises(FindingError):
        complete_revisit(store, revisit_id, "fixed")
    done = complete_revisit(store, revisit_id, "fixed", "已整改", photos=[photo(store)])
    assert done["result"] == "fixed" and not pending_revisits(store)
    assert store.records.find("photo_link", revisit_id=revisit_id)[0]["role"] == "after"


# -- photo pipeline -----------------------------------------------------------------------------

def _jpeg_with_exif(width: int, height: int, orientation: int = 1, gps: bool = False) -> bytes:
    image = Image.open(io.BytesIO(camera_jpeg(4, width, height)))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[36867] = "2026:03:01 16:30:00"
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (31.0, 18.0, 0.0), 3: "E", 4: (120.0, 36.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=92)
    return out.getvalue()


def test_a_camera_photo_is_oriented_shrunk_stamped_hashed_and_written(tmp_path):
    result = process_photo(_jpeg_with_exif(4000, 3000, orientation=6, gps=True), tmp_path,
                           estate="阳光花园", location="5栋1单元")
    assert (result.width, result.height) == (1200, 1600)  # rotated upright
    body = result.path.read_bytes()
    import hashlib

    assert hashlib.sha256(body).hexdigest() == result.sha256 and result.size == len(body)
    assert len(body) <= pipeline.MAX_BYTES
    with Image.open(result.thumb_path) as thumb:
        assert max(thumb.size) == pipeline.THUMB_EDGE
    assert result.taken_at == "2026-03-01T08:30:00.000Z"  # China time on the camera → UTC
    assert (result.latitude, result.longitude) == (31.3, 120.6)


def test_the_stamp_degrades_to_ascii_without_a_chinese_font(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "FONT_CANDIDATES", ())
    monkeypatch.delenv("XUNCHA_CJK_FONT", raising=False)
    pipeline.find_cjk_font.cache_clear()
    pipeline._font.cache_clear()
    try:
        result = process_photo(camera_jpeg(5, 800, 600), tmp_path, estate="阳光花园", location="5栋")
        assert result.path.exists()
    finally:
        pipeline.find_cjk_font.cache_clear()
        pipeline._font.cache_clear()


@pytest.mark.parametrize("data", [b"", b"not a photo", camera_jpeg(6, 400, 300)[:2000]])
def test_corrupt_input_is_refused_and_leaves_nothing_behind(tmp_path, data):
    with pytest.raises(PhotoError, match="有效的图片"):
        process_photo(data, tmp_path / "photos")
    assert not (tmp_path / "photos").exists() or not any((tmp_path / "photos").rglob("*"))


def test_a_cut_jpeg_is_refused_even_when_pillow_is_told_to_load_cut_files(tmp_path, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # what importing WeasyPrint does
    with pytest.raises(PhotoError, match="有效的图片"):
        process_photo(camera_jpeg(6, 400, 300)[:2000], tmp_path / "photos")


def test_an_interrupted_sqlite_write_is_not_visible(store):
    # Another connection (the UI thread) sees only committed rows.
    reader = sqlite3.connect(store.path)
    try:
        with store.transaction():
            record_finding(store, ESTATE, "飞线充电", "severe", "飞线")
            assert reader.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
        assert reader.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    finally:
        reader.close()
