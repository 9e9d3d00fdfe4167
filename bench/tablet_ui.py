"""Tablet UI figures in a real window (printed, not asserted). Run under Xvfb:

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python bench/tablet_ui.py [--estates 9800]

0. The floor: a bare Kivy app in the same window with a RecycleView of 144 plain rows, flung the
   same way as figure 2 (frame wall and CPU times), with Kivy's default multisampling and without.
1. Cold start: a new process opening a paired tablet, until Today is drawn (ms).
2. Frame times while flinging through a 144-item checklist: median, p95, longest (ms).
3. Tap on "fail" until the answer is committed and its row redrawn (ms): idle, and while the
   app's own sync bootstraps ~10,000 records.
4. The longest UI-thread stall (one frame) while the app's sync uploads 200 photos.
5. Resident memory with 1,000 photos in the store (MB), in a new app process: at Today, with the
   photos screen open, and after scrolling its grid through all of them and back.

The server is `xuncha serve` in its own process on 127.0.0.1 (SQLite); frames are not capped
at 60 fps, so a frame's time is the work it did. Frame CPU is the whole process's CPU time over
the frame (`time.process_time`, so Mesa's rendering threads count): steadier than wall time on
a machine other work shares. The load average is printed beside each figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mobile.ui.kivyenv import prepare  # noqa: E402

prepare(tempfile.mkdtemp(prefix="xuncha-bench-kivy-"))
from kivy.config import Config  # noqa: E402

Config.set("graphics", "maxfps", "0")
if "--child-floor" in sys.argv:  # the floor's multisampling, before the window exists
    Config.set("graphics", "multisamples", sys.argv[sys.argv.index("--child-floor") + 1])


def build_server(tmp: str, estates: int) -> str:
    from bench.harness import fresh_app
    from server.extensions import db
    from tests import factories

    app = fresh_app(f"sqlite:///{tmp}/server.sqlite3")
    with app.app_context():
        office = factories.office()
        tree = factories.region_tree(office)
        company = factories.company(office)
        user = factories.user(office, region_id=tree["district"].id)
        for n in range(estates):
            factories.estate(tree["community"], company)
            if n % 1000 == 999:
                db.session.commit()
        factories.template(office, sections=12, items_per_section=12)  # no photo needed on fail
        username = user.username
        db.session.commit()
    return username


def cold_start(home: Path) -> float:
    """A child process: import, build, open Today; returns ms from spawn to Today drawn."""
    started = time.time()
    out = subprocess.run([sys.executable, __file__, "--child-cold-start", str(home)], capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    drawn = float(out.stdout.strip().splitlines()[-1])
    return (drawn - started) * 1000


def child_cold_start(home: str) -> None:
    from mobile.ui.app import XunchaApp
    from mobile.ui.harness import Harness

    app = XunchaApp(home, sync_interval=3600, probe_interval=3600)
    app.sync_now = lambda: False  # measure opening, not syncing
    h = Harness.start(app)
    h.settle()
    assert h.screen().name == "today"
    print(time.time())
    h.stop()


FLOOR_KV = """
<FloorRow@Label>:
    color: 0, 0, 0, 1
RecycleView:
    viewclass: 'FloorRow'
    RecycleBoxLayout:
        orientation: 'vertical'
        default_size: None, dp(160)
        default_size_hint: 1, None
        size_hint_y: None
        height: self.minimum_height
"""


def floor(multisamples: int) -> str:
    out = subprocess.run([sys.executable, __file__, "--child-floor", str(multisamples)], capture_output=True,
                         text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return out.stdout.strip().splitlines()[-1]


def child_floor() -> None:
    """A bare Kivy app: white window, a RecycleView of 144 plain label rows, flung as figure 2."""
    from kivy.app import App
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.lang import Builder

    class Floor(App):
        def build(self):
            Window.clearcolor = (1, 1, 1, 1)
            view = Builder.load_string(FLOOR_KV)
            view.data = [{"text": f"item {n}"} for n in range(144)]
            return view

    app = Floor()
    EventLoop.ensure_window()
    app._run_prepare()
    frames = Frames()
    for _ in range(5):
        frames.frame()
    frames.take()
    for n in range(10):
        fling(None, frames, app.root, up=n % 4 < 2)
    print(frames.summary())


def child_memory(home: str) -> None:
    from mobile.ui.app import XunchaApp
    from mobile.ui.harness import Harness

    app = XunchaApp(home, sync_interval=3600, probe_interval=3600)
    app.sync_now = lambda: False
    h = Harness.start(app)
    h.settle()
    at_today = rss_mb()
    app.go("photos")
    h.settle()
    h.frames(30)
    opened = rss_mb()
    grid = h.screen("photos").ids.grid
    for stop in [*range(21), *range(20, -1, -1)]:  # down through every thumbnail and back up
        grid.scroll_y = 1 - stop / 20
        for _ in range(8):
            h.frames(1)
            time.sleep(0.01)  # the loader's threads decode thumbnails meanwhile
    print(f"{app.store.photos.count()} photos: {at_today:.0f} MB at Today, {opened:.0f} MB with the photos "
          f"screen open, {rss_mb():.0f} MB after scrolling through all and back")
    h.stop()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def describe(ms: list[float]) -> str:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, longest {ordered[-1]:.1f} ms " \
           f"(n={len(ordered)})"


class Frames:
    """Frame-by-frame driving with each frame's wall and CPU time kept."""

    def __init__(self) -> None:
        from kivy.base import EventLoop

        self.loop = EventLoop
        self.times: list[float] = []
        self.cpu: list[float] = []
        self.started: float | None = None  # when the frame in progress began (StallWatch reads it)
        self.count = 0

    def frame(self) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        self.started, self.count = t0, self.count + 1
        self.loop.idle()
        self.started = None
        self.times.append((time.perf_counter() - t0) * 1000)
        self.cpu.append((time.process_time() - c0) * 1000)

    def take(self) -> list[float]:
        out, self.times, self.cpu = self.times, [], []
        return out

    def summary(self) -> str:
        """Frames that drew (idle ones take ~0 ms): wall and CPU; then the load; and clears."""
        pairs = list(zip(self.times, self.cpu, strict=True))
        drawn = [(t, c) for t, c in pairs if t > 1] or pairs
        text = (f"drawn frames {describe([t for t, _ in drawn])}; CPU per drawn frame median "
                f"{statistics.median(c for _, c in drawn):.1f} ms ({load()})")
        self.take()
        return text


class StallWatch(threading.Thread):
    """Where the UI thread is when a frame has run longer than `limit_ms`: its stack, sampled by
    this thread once per long frame (what the frame waited on: a lock, a read, drawing, the GIL)."""

    def __init__(self, frames: Frames, limit_ms: float = 150) -> None:
        super().__init__(daemon=True)
        self.frames, self.limit = frames, limit_ms / 1000
        self.main = threading.main_thread().ident
        self.sites: Counter[str] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        noted = -1
        while not self.stop.wait(0.02):
            started, count = self.frames.started, self.frames.count
            if started is None or count == noted or time.perf_counter() - started < self.limit:
                continue
            noted = count
            stack = traceback.extract_stack(sys._current_frames()[self.main])
            inner = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in stack[-4:]]
            self.sites[" < ".join(reversed(inner))] += 1

    def report(self) -> str:
        self.stop.set()
        return "; ".join(f"{n}x {site}" for site, n in self.sites.most_common(4)) or "none"


def fling(h, frames: Frames, view, up: bool) -> None:
    from kivy.tests.common import UnitTestTouch

    x, y = view.to_window(view.center_x, view.y + view.height * (0.2 if up else 0.8))
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    frames.frame()
    step = view.height * 0.6 / 6 * (1 if up else -1)
    for n in range(1, 7):
        touch.touch_move(x, y + step * n)
        frames.frame()
    touch.touch_up()
    for _ in range(90):  # the kinetic scroll runs on
        frames.frame()


class Commits:
    """When each answer's write transaction returned, seen from the store lane (the bench wraps the
    screen's checklist; the app is unchanged)."""

    def __init__(self, screen) -> None:
        self.at: list[float] = []
        checklist = screen.checklist
        original = checklist.answer

        def answer(*args, **kwargs):
            state = original(*args, **kwargs)
            self.at.append(time.perf_counter())
            return state

        checklist.answer = answer


def tap_fail(h, frames: Frames, screen, row: dict, commits: Commits) -> tuple[float, float, float]:
    """(ms from the finger lifting off "fail" to the choice drawn, to the answer committed in the
    store, to the row drawn with what the core then says of the item)."""
    from kivy.tests.common import UnitTestTouch

    from mobile.ui.i18n import tr

    # A fling's kinetic scroll can still be moving the list: wait (frames, not a fixed count,
    # since a frame may take 4 ms or 200) until the row is laid out and the list is still.
    deadline = time.perf_counter() + 10
    while True:
        screen.scroll_to(screen._index[row["item_id"]])
        frames.frame()
        try:
            widget = h.find(screen.ids.item_list,
                            lambda w: type(w).__name__ == "ItemRow" and w.item_id == row["item_id"])
        except LookupError:
            widget = None
        still = abs(screen.ids.item_list.effect_y.velocity) < 1
        if widget is not None and still:
            break
        if time.perf_counter() > deadline:
            raise RuntimeError(f"row {row['item_id']} never came on screen")
    button = h.button(tr("不合格"), widget)
    x, y = button.to_window(*button.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    frames.frame()
    commits.at.clear()
    delivered: list[float] = []
    original = screen._item_changed

    def changed(result):
        original(result)
        delivered.append(time.perf_counter())

    screen._item_changed = changed
    started = time.perf_counter()
    touch.touch_up()
    position = screen._index[row["item_id"]]
    shown = None
    try:
        while not delivered:
            frames.frame()
            if shown is None and screen.ids.item_list.data[position]["result"] == "fail":
                shown = time.perf_counter()  # the frame that ran the tap's handler drew the choice
            if time.perf_counter() - started > 60:
                raise RuntimeError("the answer never came back")
    finally:
        del screen._item_changed
    # Kivy runs clock callbacks and then draws in the same frame: the frame that delivered the
    # answer also drew the patched row.
    drawn = time.perf_counter()
    return (shown - started) * 1000, (commits.at[0] - started) * 1000, (drawn - started) * 1000


def taps(measured: list[tuple[float, float, float]]) -> str:
    return (f"→ choice drawn: {describe([s for s, _, _ in measured])}; → committed: "
            f"{describe([c for _, c, _ in measured])}; → row drawn with the core's state: "
            f"{describe([d for _, _, d in measured])}")


def load() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--estates", type=int, default=9800)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--no-photos", action="store_true", help="stop after figure 3")
    parser.add_argument("--child-cold-start")
    parser.add_argument("--child-floor")
    parser.add_argument("--child-memory")
    parser.add_argument("--floor-only", action="store_true", help="print figure 0 and stop")
    args = parser.parse_args()
    if args.child_cold_start:
        child_cold_start(args.child_cold_start)
        return
    if args.child_floor:
        child_floor()
        return
    if args.child_memory:
        child_memory(args.child_memory)
        return
    if args.floor_only:
        print(f"0. floor, bare Kivy, 144 plain rows, Kivy's default 2 samples: {floor(2)}")
        print(f"0. floor, same, no multisampling (as the app): {floor(0)}")
        return

    from bench.harness import serve_in_own_process
    from mobile.device import pair
    from mobile.fieldday import record_day
    from mobile.store import Store
    from mobile.sync.engine import SyncEngine
    from mobile.sync.transport import HttpTransport
    from mobile.ui.app import XunchaApp
    from mobile.ui.harness import Harness
    from tests import factories

    tmp = tempfile.mkdtemp(prefix="xuncha-bench-ui-")
    t0 = time.monotonic()
    username = build_server(tmp, args.estates)
    print(f"server: {args.estates} estates, a 144-item checklist ({time.monotonic() - t0:.0f} s to build)")
    with serve_in_own_process(f"sqlite:///{tmp}/server.sqlite3") as url:
        home = Path(tmp) / "tablet"
        store = Store(home)
        pair(store, HttpTransport(url), username=username, password=factories.PASSWORD, server_url=url)
        SyncEngine(store, HttpTransport(url, store.get_meta("token"))).run()
        records = store.records.count()
        store.close()
        print(f"tablet: {records} records after its first sync")

        print(f"0. floor, bare Kivy, 144 plain rows, Kivy's default 2 samples: {floor(2)}")
        print(f"0. floor, same, no multisampling (as the app): {floor(0)}")
        starts = [cold_start(home) for _ in range(3)]
        each = ", ".join(f"{s:.0f}" for s in starts)
        print(f"1. cold start to Today: {min(starts):.0f} ms best of 3 ({each})")

        app = XunchaApp(home, sync_interval=3600, probe_interval=3600)
        h = Harness.start(app)
        h.settle()
        frames = Frames()
        from mobile.checklist import Checklist
        from mobile.reads import current_template

        estate = app.store.records.all("estate")[0]
        inspection = Checklist.start(app.store, estate.id, current_template(app.store).id).inspection_id
        app.go("checklist", inspection_id=inspection)
        h.settle()
        screen = h.screen("checklist")
        rows = [r for r in screen.ids.item_list.data if r["viewclass"] == "ItemRow"]
        view = screen.ids.item_list
        frames.take()
        for n in range(10):
            fling(h, frames, view, up=n % 4 < 2)
        print(f"2. flinging through {len(rows)} items: {frames.summary()}")

        commits = Commits(screen)
        idle = [tap_fail(h, frames, screen, row, commits) for row in rows[:20]]
        print(f"3a. tap fail, idle: {taps(idle)} ({load()})")

        app.store.set_meta("cursor", None)  # the next sync bootstraps again: every record
        frames.take()
        app.sync_now()
        busy, n = [], 20
        while app.syncing and n < len(rows):
            busy.append(tap_fail(h, frames, screen, rows[n], commits))
            n += 1
        while app.syncing:
            frames.frame()
        stall = max(frames.take())
        print(f"3b. during a bootstrap of {records} records: tap fail {taps(busy) if busy else 'n/a'}; "
              f"longest frame {stall:.0f} ms ({load()})")

        # fail_rate=0: only the items carrying photos fail, so each inspection holds exactly ten.
        if args.no_photos:
            h.stop()
            return
        record_day(app.store, inspections=args.photos // 10, photos_per_inspection=10, adhoc_findings=0,
                   seed=5, photo_size=(1600, 1200), fail_rate=0)
        waiting = app.store.photos.waiting_count()
        app.refresh_status()
        frames.take()
        watch = StallWatch(frames)
        watch.start()
        started = time.monotonic()
        app.sync_now()
        while app.syncing:
            frames.frame()
        for _ in range(5):  # the frames that show the sync's end
            frames.frame()
        longest = max(range(len(frames.times)), key=frames.times.__getitem__)
        worst = f"longest UI frame {frames.times[longest]:.0f} ms (CPU {frames.cpu[longest]:.0f} ms)"
        print(f"4. syncing {waiting} photos ({time.monotonic() - started:.1f} s): {worst}; "
              f"{frames.summary()}")
        print(f"   where the UI thread was in frames over 150 ms: {watch.report()}")

        more = 1000 - app.store.photos.count()
        if more > 0:  # smaller camera frames here: the figure is about the store, not the pixels
            record_day(app.store, inspections=-(-more // 10), photos_per_inspection=10, adhoc_findings=0,
                       seed=6, photo_size=(800, 600), fail_rate=0)
        out = subprocess.run([sys.executable, __file__, "--child-memory", str(home)], capture_output=True,
                             text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
        print(f"5. resident memory, a new app process, {out.stdout.strip().splitlines()[-1]}")
        h.stop()


if __name__ == "__main__":
    main()
