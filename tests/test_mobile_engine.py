"""The sync engine as a UI sees it, against the real server: the write lock is never held across a
network read, progress a bar can show, trigger / cancel, a missing server known at once, the
company's after-photos downloaded for a revisit, a bootstrap interrupted midway."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mobile import connectivity
from mobile.fieldday import camera_jpeg, record_day
from mobile.findings import photo_file, record_finding, revisit_view
from mobile.photos import process_photo
from mobile.store import Store, StoreBusy
from mobile.sync.engine import RetryPolicy, SyncCancelled, SyncEngine, failure_message
from mobile.sync.transport import HttpTransport, Offline
from tests import mobile_helpers
from tests.mobile_helpers import company_reports_fix, engine_for, new_tablet

live_server, seed = mobile_helpers.live_server, mobile_helpers.seed  # fixtures


class WatchedTransport(HttpTransport):
    """The real HTTP transport, noting for every network read whether the store's write
    transaction was open on the reading thread at that moment."""

    def __init__(self, store: Store, on_line=None) -> None:
        super().__init__(store.get_meta("server_url"), store.get_meta("token"))
        self.store = store
        self.reads: list[tuple[str, bool]] = []
        self.on_line = on_line

    def _note(self, what: str) -> None:
        self.reads.append((what, self.store.in_write_transaction))

    def _request(self, method, path, **kwargs):
        self._note(f"{method} {path}")
        return super()._request(method, path, **kwargs)

    def bootstrap(self):
        for n, line in enumerate(super().bootstrap(), 1):
            self._note(f"bootstrap line {n}")
            if self.on_line:
                self.on_line(n)
            yield line


def test_no_network_read_happens_inside_a_write_transaction(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    ui_writes: list[str] = []

    def ui_writes_while_downloading(n: int) -> None:
        # The UI thread, with a busy timeout of 50 ms, writes while the stream is being read.
        def write() -> None:
            ui = Store(store.home, busy_timeout_ms=50)
            ui.set_meta("ui_note", n)
            ui_writes.append(ui.get_meta("ui_note"))
            ui.close()
        worker = threading.Thread(target=write)
        worker.start()
        worker.join()

    transport = WatchedTransport(store, on_line=ui_writes_while_downloading)
    SyncEngine(store, transport).run()
    record_day(store, inspections=1, photos_per_inspection=1, adhoc_findings=1, seed=3)
    SyncEngine(store, transport).run()

    kinds = {what.split()[1] if what[0] != "b" else "bootstrap" for what, _ in transport.reads}
    assert {"/api/v1/health", "bootstrap", "/api/v1/sync/pull", "/api/v1/sync/push"} <= kinds
    assert any("/upload" in what for what, _ in transport.reads)
    assert [what for what, in_tx in transport.reads if in_tx] == []
    # Every UI write made while a bootstrap line was being read went through at once.
    assert len(ui_writes) == sum(what.startswith("bootstrap") for what, _ in transport.reads) > 2


def test_a_write_that_waits_too_long_gets_a_clear_error_and_writes_nothing(tmp_path):
    holder = Store(tmp_path)
    held, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with holder.transaction():
            holder.set_meta("sync", "busy")
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    held.wait(5)
    ui = Store(tmp_path, busy_timeout_ms=20)
    with pytest.raises(StoreBusy, match="本机数据库正忙"):
        ui.set_meta("answer", "fail")
    release.set()
    thread.join()
    assert ui.get_meta("answer") is None and ui.get_meta("sync") == "busy"
    ui.set_meta("answer", "fail")
    assert ui.get_meta("answer") == "fail"


def test_progress_gives_totals_and_bytes_that_only_grow_within_a_run(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    first: list = []
    report1 = engine_for(store, progress=first.append).run()
    boot = [p for p in first if p.phase == "bootstrap" and p.total]
    assert boot and boot[-1].done == boot[-1].total == store.records.count()
    record_day(store, inspections=2, photos_per_inspection=2, adhoc_findings=0, seed=4)
    second: list = []
    report2 = engine_for(store, progress=second.append).run()

    for run in (first, second):
        sizes = [p.bytes_done for p in run]
        assert sizes == sorted(sizes) and sizes[-1] > 0
        assert run[-1].phase == "done"
    photos = [p for p in second if p.phase == "photos" and p.total]
    assert photos[-1].done == photos[-1].total == 4 and photos[-1].bytes_total >= photos[-1].bytes_done
    assert [p for p in second if p.phase == "pull" and p.total is not None]
    # Each run reports its own bytes, not a running sum over the engine's life.
    assert report2.bytes_sent > report1.bytes_sent and second[-1].bytes_done == (
        report2.bytes_sent + report2.bytes_received)


class Unavailable(BaseHTTPRequestHandler):
    """A server that answers every request with 503 and Retry-After: 60."""

    hits = 0

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits += 1
        body = json.dumps({"error": {"code": "unavailable", "message": "维护中"}}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "60")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def unavailable():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unavailable)
    Unavailable.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def paired_store(tmp_path, url: str) -> Store:
    store = Store(tmp_path / "tablet")
    for key, value in (("device_id", "0d0e1f2a-0000-4000-8000-000000000001"), ("token", "t"),
                       ("server_url", url)):
        store.set_meta(key, value)
    return store


def test_the_retry_wait_is_reported_and_trigger_cuts_it_short_and_cancel_stops(unavailable, tmp_path):
    store = paired_store(tmp_path, unavailable)
    waits, failures = [], []
    waiting = threading.Event()

    def on_progress(p) -> None:
        if p.phase == "waiting":
            waits.append(p)
            waiting.set()

    transport = HttpTransport(unavailable)
    engine = SyncEngine(store, transport, on_progress=on_progress,
                        retry=RetryPolicy(attempts=5, base=1, cap=1))
    runner = threading.Thread(target=lambda: failures.append(pytest.raises(SyncCancelled, engine.run)))
    runner.start()
    assert waiting.wait(10)
    assert waits[0].seconds >= 60 and "服务器暂时不可用" in waits[0].message  # Retry-After is honoured
    waiting.clear()
    engine.trigger()  # "sync now" while it waits: it asks again at once instead of in a minute
    assert waiting.wait(10) and Unavailable.hits == 2
    engine.cancel()
    runner.join(10)
    transport.close()
    assert not runner.is_alive() and failures


def test_a_sync_with_no_server_gives_up_at_once_as_offline(tmp_path):
    store = paired_store(tmp_path, "http://127.0.0.1:9")
    seen: list = []
    engine = SyncEngine(store, HttpTransport("http://127.0.0.1:9"), on_progress=seen.append)
    with pytest.raises(Offline) as caught:
        engine.run()
    assert seen[-1].phase == "failed" and seen[-1].message.startswith("离线")
    assert failure_message(caught.value) == seen[-1].message
    assert not [p for p in seen if p.phase == "waiting"]  # no back-off for a server that is not there
    assert connectivity.probe("http://127.0.0.1:9").state == "offline"


def test_probe_tells_the_server_from_a_page_that_is_not_it(live_server, unavailable):
    online = connectivity.probe(live_server.url)
    assert online.online and isinstance(online.change_seq, int)
    assert connectivity.probe(unavailable).state == "error"
    assert connectivity.probe(live_server.url + "/not-here").state == "wrong_server"
    assert connectivity.probe("192.168.1.1").state == "error"


def test_a_bootstrap_cut_midway_is_not_taken_as_complete(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine = engine_for(store)
    engine.ctx.apply_chunk = 3

    def cancel_after_first_chunk(p) -> None:
        if p.phase == "bootstrap" and p.total and 0 < p.done < p.total:
            engine.cancel()

    engine.ctx.on_progress = cancel_after_first_chunk
    with pytest.raises(SyncCancelled):
        engine.run()
    assert store.get_meta("cursor") is None and 0 < store.records.count() < 16
    engine.ctx.on_progress = None
    engine.run()
    assert store.get_meta("cursor") is not None and store.records.count("checklist_item") == 6


def test_a_revisit_shows_the_companys_reply_and_after_photos_offline(live_server, seed, tmp_path):
    store = new_tablet(tmp_path / "tablet", live_server, seed)
    engine_for(store).run()
    evidence = process_photo(camera_jpeg(7, 800, 600), store.photo_dir, estate="测试花园")
    finding = record_finding(store, seed.estate_ids[0], "飞线充电", "severe", "5栋飞线充电",
                             photos=[evidence])
    engine_for(store).run()
    company_photo = camera_jpeg(9, 640, 480)
    company_sha = company_reports_fix(live_server.app, seed, finding.id, "飞线已拆除，加装充电桩",
                                      company_photo)

    engine_for(store).run()
    [revisit] = store.records.all("revisit")
    view = revisit_view(store, revisit.id)  # a read of the store only: what the tablet holds offline
    assert view.report_text == "飞线已拆除，加装充电桩" and view.reported_at
    assert [link["photo_sha256"] for link in view.company_photos] == [company_sha]
    assert [link["photo_sha256"] for link in view.evidence] == [evidence.sha256]
    held = photo_file(store, view.company_photos[0])
    assert held is not None and held.state == "remote" and held.thumb_path.exists()
    assert held.path.read_bytes() == company_photo and (held.width, held.height) == (640, 480)
