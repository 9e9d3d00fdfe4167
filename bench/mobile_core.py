"""Tablet core figures (printed, not asserted).

    .venv/bin/python bench/mobile_core.py [--photos 1000] [--inspections 50]

1. Saving one answer and linking one photo in a store holding days of work
   (50 inspections × 60 items = 3,000 answers, 1,000 photos): median and p95.
2. The photo pipeline on a 12-megapixel camera JPEG: ms per photo, output bytes.
3. A full sync of that day (50 inspections, 1,000 photos) to a server on 127.0.0.1
   (SQLite): seconds and MB/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import describe, fresh_app, serve_in_own_process  # noqa: E402
from mobile.checklist import Checklist  # noqa: E402
from mobile.device import pair  # noqa: E402
from mobile.fieldday import camera_jpeg  # noqa: E402
from mobile.findings import link_photo  # noqa: E402
from mobile.photos import process_photo  # noqa: E402
from mobile.store import Store  # noqa: E402
from mobile.sync.engine import SyncEngine  # noqa: E402
from mobile.sync.transport import HttpTransport  # noqa: E402
from server.extensions import db  # noqa: E402
from tests import factories  # noqa: E402

ITEMS = 60


def build_server(tmp: str):
    app = fresh_app(f"sqlite:///{tmp}/server.sqlite3")
    with app.app_context():
        office = factories.office()
        tree = factories.region_tree(office)
        company = factories.company(office)
        user = factories.user(office, region_id=tree["district"].id)
        for _ in range(10):
            factories.estate(tree["community"], company)
        factories.template(office, sections=6, items_per_section=ITEMS // 6)
        username = user.username
        db.session.commit()
    return app, username


def record_days(store: Store, inspections: int, photos: int, photo_size: tuple[int, int]) -> None:
    """50 finished inspections × 60 answers, `photos` photos spread over their failed items."""
    estates = store.records.all("estate")
    template = store.records.all("checklist_template")[0]
    per_inspection = max(1, photos // inspections)
    base = [camera_jpeg(seed, *photo_size) for seed in range(8)]
    n_photo = 0
    for n in range(inspections):
        checklist = Checklist.start(store, estates[n % len(estates)].id, template.id)
        items = list(checklist.items.values())
        for i, item in enumerate(items):
            failed = i < per_inspection
            checklist.answer(item.id, "fail" if failed else "pass", location=f"{i}栋" if failed else "")
            if failed and n_photo < photos:
                # The stamp carries a running number, so each photo is its own bytes.
                photo = process_photo(base[n_photo % len(base)], store.photo_dir, estate=f"检查{n}",
                                      location=f"照片{n_photo}")
                checklist.attach_photo(item.id, photo)
                n_photo += 1
        checklist.finish()


def bench_saves(store: Store) -> None:
    estates = store.records.all("estate")
    template = store.records.all("checklist_template")[0]
    checklist = Checklist.start(store, estates[0].id, template.id)
    items = list(checklist.items.values())
    answer_ms = []
    for i in range(300):
        item = items[i % len(items)]
        started = time.perf_counter()
        checklist.answer(item.id, ("pass", "na", "fail")[i % 3])
        answer_ms.append((time.perf_counter() - started) * 1000)
    answers = store.records.find("answer", inspection_id=checklist.inspection_id)
    ready = [process_photo(camera_jpeg(1000 + i, 640, 480), store.photo_dir) for i in range(200)]
    link_ms = []
    for i, photo in enumerate(ready):
        started = time.perf_counter()
        link_photo(store, photo, answer_id=answers[i % len(answers)].id)
        link_ms.append((time.perf_counter() - started) * 1000)
    print(f"  save one answer (checklist.answer, incl. finding when failed): {describe(answer_ms)}")
    print(f"  save one photo link (file already processed):                 {describe(link_ms)}")


def bench_pipeline() -> None:
    camera = camera_jpeg(12, 4000, 3000, quality=92)
    out = tempfile.mkdtemp(prefix="xuncha-bench-photos-")
    times, sizes = [], []
    for n in range(10):
        started = time.perf_counter()
        photo = process_photo(camera, out, estate="阳光花园", location=f"{n}栋1单元")
        times.append((time.perf_counter() - started) * 1000)
        sizes.append(photo.size)
    print(f"  12 MP camera JPEG ({len(camera) / 1e6:.1f} MB in) → {photo.width}×{photo.height}: "
          f"{describe(times)}; output {statistics.median(sizes) / 1024:.0f} KB median")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inspections", type=int, default=50)
    parser.add_argument("--photos", type=int, default=1000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="xuncha-bench-mobile-")
    app, username = build_server(tmp)
    print("photo pipeline")
    bench_pipeline()
    with serve_in_own_process(f"sqlite:///{tmp}/server.sqlite3") as url:
        store = Store(Path(tmp) / "tablet")
        pair(store, HttpTransport(url), username=username, password=factories.PASSWORD, server_url=url)
        SyncEngine(store, HttpTransport(url, store.get_meta("token"))).run()
        started = time.perf_counter()
        record_days(store, args.inspections, args.photos, (1600, 1200))
        print(f"recorded {args.inspections} inspections, {store.records.count('answer')} answers, "
              f"{store.photos.count()} photos in {time.perf_counter() - started:.0f} s")
        print("store with days of data")
        bench_saves(store)
        # Sync everything except the 300 benchmark answers' inspection, which is unfinished
        # but still syncs (it is simply in progress).
        transport = HttpTransport(url, store.get_meta("token"))
        megabytes = store.photos.waiting_bytes() / 1e6
        started = time.perf_counter()
        report = SyncEngine(store, transport).run()
        seconds = time.perf_counter() - started
        wire = (transport.bytes_sent + transport.bytes_received) / 1e6
        print(f"full sync: {report.pushed.accepted} records, {report.photos_uploaded} photos "
              f"({megabytes:.0f} MB of photos, {wire:.0f} MB on the wire) in {seconds:.1f} s = "
              f"{wire / seconds:.1f} MB/s; outbox left {store.outbox.count()}")


if __name__ == "__main__":
    main()
