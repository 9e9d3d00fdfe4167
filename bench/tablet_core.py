"""The tablet core as the UI feels it (printed, not asserted).

    .venv/bin/python bench/tablet_core.py [--estates 10000] [--kbps 64]
    .venv/bin/python bench/tablet_core.py --before 677aa6f   # the same against older tablet code

A server (`xuncha serve`, its own process, SQLite) holds `--estates` estates in one inspector's
scope. A new tablet bootstraps them, once over 127.0.0.1 and once through a proxy throttled to
`--kbps` KB/s, while a "UI thread" writes to the store every 50 ms: the time each write waited
(median, p95, longest) and how many failed. Then, on the bootstrapped store: estate search
(pinyin initials, a name fragment, the first page), the status summary and the Today view.

Last, ten 12 MP photos submitted at once to the photo queue with 1 and 2 workers: the peak
resident memory they add.

`--before REV` runs the tablet side from `git archive REV mobile` (the server is today's), for
the before/after figures in docs/benchmarks.md; the search and summary reads exist only after.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAMES_A = ["阳光", "金色", "翠湖", "锦绣", "幸福", "和平", "东方", "滨江",
           "香樟", "紫荆", "明珠", "春晖", "景秀", "新城", "碧水", "银杏"]
NAMES_B = ["花园", "小区", "家园", "苑", "公寓", "新村", "华庭", "雅居", "名都", "花城"]


def build_server(tmp: str, estates: int):
    from bench.harness import fresh_app
    from server.domain.models import Estate, ManagementType
    from server.extensions import db
    from tests import factories

    app = fresh_app(f"sqlite:///{tmp}/server.sqlite3")
    rng = random.Random(12)
    with app.app_context():
        office = factories.office()
        tree = factories.region_tree(office)
        company = factories.company(office)
        user = factories.user(office, region_id=tree["district"].id)
        factories.template(office, sections=8, items_per_section=18)
        community = tree["community"]
        for n in range(estates):
            db.session.add(Estate(
                office_id=office.id, region_id=community.id, region_code=community.code,
                company_id=company.id, name=f"{rng.choice(NAMES_A)}{rng.choice(NAMES_B)}{n}",
                address=f"人民路 {n} 号", management_type=ManagementType.PROFESSIONAL,
                households=300, floor_area=40000))
        db.session.commit()
        username = user.username
        db.session.remove()
    return app, username


class ThrottledProxy:
    """A TCP relay on 127.0.0.1 that passes at most `rate` bytes a second each way: a slow link."""

    def __init__(self, upstream_port: int, rate: int) -> None:
        self.upstream_port, self.rate = upstream_port, rate
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src, dst) -> None:
        piece = max(1, self.rate // 20)
        try:
            while data := src.recv(piece):
                dst.sendall(data)
                time.sleep(len(data) / self.rate)
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self.listener.close()


def describe(samples: list[float]) -> str:
    from bench.harness import describe as base

    return f"{base(samples)}, longest {max(samples):.1f} ms"


def ui_writes_during_bootstrap(home: Path, url: str, username: str, password: str) -> None:
    from mobile.device import pair
    from mobile.store import Store
    from mobile.sync.engine import SyncEngine
    from mobile.sync.transport import HttpTransport

    store = Store(home)
    pair(store, HttpTransport(url), username=username, password=password, server_url=url)
    done = threading.Event()
    outcome: dict = {}
    phase = {"now": "start"}

    def on_progress(progress) -> None:
        phase["now"] = f"{progress.phase} {progress.message[:8]}".strip()

    def sync() -> None:
        started = time.perf_counter()
        try:
            engine = SyncEngine(store, HttpTransport(url, store.get_meta("token")), on_progress=on_progress)
            report = engine.run()
            outcome["pulled"] = report.pulled
        except Exception as exc:  # noqa: BLE001 - a figure to print, whatever happened
            outcome["error"] = repr(exc)
        outcome["seconds"] = time.perf_counter() - started
        store.close()
        done.set()

    ui = Store(home)
    waits, failures, where = [], [], []
    thread = threading.Thread(target=sync)
    thread.start()
    tick = 0
    while not done.is_set():
        tick += 1
        started = time.perf_counter()
        try:
            ui.set_meta("ui_tick", tick)  # a UI write: the same lock an answer takes
        except Exception as exc:  # noqa: BLE001 - counted and printed
            failures.append(type(exc).__name__ + ": " + str(exc)[:60])
        waits.append((time.perf_counter() - started) * 1000)
        where.append(phase["now"])
        done.wait(0.05)
    thread.join()
    print(f"    bootstrap of {outcome.get('pulled', '?')} records in {outcome['seconds']:.1f} s"
          + (f" (sync error: {outcome['error']})" if "error" in outcome else ""))
    print(f"    UI write wait: {describe(waits)}; failed writes: {len(failures)}"
          + (f" ({failures[0]})" if failures else ""))
    worst = sorted(zip(waits, where, strict=True), reverse=True)[:3]
    print("    longest waits happened during: " + "; ".join(f"{w:.0f} ms {p}" for w, p in worst))
    ui.close()


def reads_on(home: Path) -> None:
    from mobile import reads
    from mobile.store import Store

    store = Store(home)
    for label, call in (
            ("search 'ygh' (pinyin initials)", lambda: reads.search_estates(store, "ygh")),
            ("search '翠湖' (name fragment)", lambda: reads.search_estates(store, "翠湖")),
            ("search '' (first page)", lambda: reads.search_estates(store, "")),
            ("status_summary", lambda: reads.status_summary(store)),
            ("today", lambda: reads.today(store))):
        times = []
        for _ in range(30):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        print(f"    {label}: {describe(times)}")
    store.close()


def _vm(key: str) -> int:
    """A figure of /proc/self/status in KB (VmRSS now, VmHWM the peak so far)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def camera_files(photos: int = 10) -> Path:
    """Ten 12 MP camera JPEGs on disk (made here: drawing them is what costs memory, not reading)."""
    from mobile.fieldday import camera_jpeg

    folder = Path(tempfile.mkdtemp(prefix="xuncha-bench-camera-"))
    for seed in range(photos):
        (folder / f"{seed}.jpg").write_bytes(camera_jpeg(seed, 4000, 3000, quality=92))
    return folder


def photo_memory(workers: int, folder: Path) -> None:
    """The camera files submitted at once to the photo queue: the peak resident memory it adds."""
    from mobile.photoqueue import PhotoQueue
    from mobile.photos import process_photo
    from mobile.store import Store

    store = Store(tempfile.mkdtemp(prefix="xuncha-bench-queue-"))
    camera = sorted(folder.glob("*.jpg"))
    before = _vm("VmRSS")
    process_photo(camera[0], store.home / "warm")  # one photo alone, fonts and decoders loaded
    one = _vm("VmHWM") - before
    photos = len(camera)
    base = _vm("VmHWM")
    queue = PhotoQueue(store, workers=workers, max_waiting=photos)
    started = time.perf_counter()
    tickets = [queue.submit(raw, attach=lambda p: p, estate="阳光花园") for raw in camera]
    for ticket in tickets:
        ticket.wait(120)
    seconds = time.perf_counter() - started
    queue.shutdown()
    print(f"    {photos} × 12 MP at once, workers={workers}: peak {(_vm('VmHWM') - before) / 1024:.0f} MB "
          f"above the {before / 1024:.0f} MB resident before any photo (one photo alone: "
          f"{one / 1024:.0f} MB; the ten added {(_vm('VmHWM') - base) / 1024:.0f} MB to that), "
          f"{seconds:.1f} s for all")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--estates", type=int, default=10_000)
    parser.add_argument("--kbps", type=int, default=64, help="throttled link, KB/s")
    parser.add_argument("--before", metavar="REV", help="run the tablet side from this git revision")
    parser.add_argument("--photo-memory", nargs=2, metavar=("WORKERS", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.photo_memory:
        photo_memory(int(args.photo_memory[0]), Path(args.photo_memory[1]))
        return
    tmp = tempfile.mkdtemp(prefix="xuncha-bench-tablet-core-")
    if args.before:
        code = Path(tmp) / "tablet-code"
        code.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before, "mobile"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
        sys.path.insert(0, str(code))
    import mobile
    from bench.harness import serve_in_own_process
    from tests import factories

    print(f"tablet code: {Path(mobile.__file__).parent}")
    _app, username = build_server(tmp, args.estates)
    with serve_in_own_process(f"sqlite:///{tmp}/server.sqlite3") as url:
        print(f"{args.estates} estates; UI writes every 50 ms while a new tablet bootstraps")
        print("  over 127.0.0.1:")
        ui_writes_during_bootstrap(Path(tmp) / "fast", url, username, factories.PASSWORD)
        proxy = ThrottledProxy(int(url.rsplit(":", 1)[1]), args.kbps * 1024)
        print(f"  over a {args.kbps} KB/s link:")
        ui_writes_during_bootstrap(Path(tmp) / "slow", proxy.url, username, factories.PASSWORD)
        proxy.close()
    if not args.before:
        print(f"  reads on the bootstrapped store ({args.estates} estates):")
        reads_on(Path(tmp) / "fast")
        print("photo queue (each in its own process, so the peak is its own):")
        folder = camera_files()
        for workers in (1, 2):
            subprocess.run([sys.executable, __file__, "--photo-memory", str(workers), str(folder)],
                           check=True)


if __name__ == "__main__":
    main()
