"""Xuncha beside pouchdb-server 4.2.0: one workload against both servers, interleaved.

    .venv/bin/python bench/peer_compare.py                 # SQLite
    .venv/bin/python bench/peer_compare.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/x_peer

Finds pouchdb-server (on PATH, or in /tmp/xuncha-peer) or installs it there from the npm
registry, starts it and `xuncha serve` each in its own process on 127.0.0.1, then for each
round: pushes 5,000 findings of ~1 KB in batches of 500 (Xuncha /sync/push, the peer
/_bulk_docs), uploads 200 photos of ~50 KB and 200 of ~150 KB (Xuncha one PUT per photo as
docs/photos.md says, the peer one attachment PUT), pulls everything five times (pages of 500:
/sync/pull, /_changes?include_docs=true) and makes no-change pulls. Each batch, photo, pull
page and no-change pull goes to one server and then the other, so both see the same machine
load; a figure is the median over the rounds (and the five pulls of each). Prints each figure, the ratio
and the bytes on the wire, and /proc/loadavg before and after each round (the other users of
the machine move every wall-clock figure); draws the ratios as a PNG chart. Stops what it
started, also on an error, Ctrl-C or SIGTERM. The PostgreSQL database given is emptied (its
tables dropped and made again).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.harness import fresh_app, load_average, serve_in_own_process  # noqa: E402
from bench.wire import Wire  # noqa: E402
from server.domain.models.base import utcnow  # noqa: E402
from server.extensions import db  # noqa: E402
from shared_schema import SCHEMA_VERSION  # noqa: E402
from shared_schema.clock import HybridClock  # noqa: E402
from shared_schema.photos import chunk_range  # noqa: E402
from tests import factories  # noqa: E402
from tests.small_city import build_small_city  # noqa: E402

PEER_PACKAGE = "pouchdb-server@4.2.0"
PEER_FOLDER = Path(tempfile.gettempdir()) / "xuncha-peer"
FINDINGS, BATCH, PHOTOS, NOCHANGE_PULLS, PAGE = 5000, 500, 200, 100, 500
PULLS = 5  # full pulls per round: each takes about a second, so one moment of load weighs less
# A finding's description of ~250 Chinese characters makes a record of about 1 KB.
DESCRIPTION = ("楼道内堆放纸箱和旧家具，占用疏散通道，物业未及时清理；"
               "消防栓箱门被杂物遮挡，灭火器压力不足，需要限期整改。") * 5


# --- the two servers -------------------------------------------------------------------------


def peer_binary() -> Path:
    """pouchdb-server on PATH or in the throw-away folder; installed there when missing or of
    another version than PEER_PACKAGE names."""
    wanted = PEER_PACKAGE.rpartition("@")[2]
    found = os.environ.get("XUNCHA_PEER_BIN") or shutil.which("pouchdb-server")
    if found:
        version = peer_version(Path(found))
        if version != wanted:
            print(f"note: {found} is pouchdb-server {version or '(version unknown)'}, not {wanted}",
                  flush=True)
        return Path(found)
    binary = PEER_FOLDER / "node_modules" / ".bin" / "pouchdb-server"
    if not binary.exists() or peer_version(binary) != wanted:
        print(f"installing {PEER_PACKAGE} into {PEER_FOLDER} (npm) …", flush=True)
        PEER_FOLDER.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(PEER_FOLDER), "--no-audit", "--no-fund",
                        "--loglevel=error", PEER_PACKAGE], check=True)
    return binary


def peer_version(binary: Path) -> str | None:
    """The version in the package.json beside the script (node_modules/pouchdb-server/bin/…)."""
    package = binary.resolve().parent.parent / "package.json"
    try:
        return json.loads(package.read_text()).get("version")
    except (OSError, ValueError):
        return None


def _stop_on_sigterm() -> None:
    """SIGTERM ends the run as Ctrl-C does, so the servers' `finally` blocks stop them."""
    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def peer_server(binary: Path) -> Iterator[str]:
    """pouchdb-server on LevelDB files in a temporary folder, request logging off."""
    folder = Path(tempfile.mkdtemp(prefix="xuncha-peer-run-"))
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "--host", "127.0.0.1", "--port", str(port), "--dir", str(folder / "data"),
         "--config", str(folder / "config.json"), "--no-stdout-logs"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (folder / "data").mkdir()
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(base, timeout=2).ok:
                    break
            if process.poll() is not None:
                raise RuntimeError("pouchdb-server exited at start")
            time.sleep(0.1)
        else:
            raise RuntimeError("pouchdb-server did not start")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def xuncha_server(url: str) -> Iterator[tuple[str, str]]:
    """`xuncha serve` over a fresh database holding the small test city; (base URL, estate id)."""
    app = fresh_app(url)
    with app.app_context():
        estate_id = str(build_small_city().estate_a1.id)
        db.session.remove()
        db.engine.dispose()
    with serve_in_own_process(url) as base:
        yield base, estate_id


# --- one client per server, the same operations --------------------------------------------


class XunchaClient:
    name = "Xuncha"

    def __init__(self, base: str) -> None:
        self.base = base
        session = requests.Session()
        session.headers["X-Xuncha-Schema"] = str(SCHEMA_VERSION)
        paired = session.post(f"{base}/api/v1/devices/pair", json={
            "username": "insp_a", "password": factories.PASSWORD, "device_name": "peer-compare"})
        paired.raise_for_status()
        session.headers["Authorization"] = f"Bearer {paired.json()['token']}"
        self.wire = Wire(session, base.removeprefix("http://"))
        self.cursor = 0

    def push(self, findings: list[dict]) -> int:
        body = {"batch_id": str(uuid.uuid4()), "records": [
            {"kind": "finding", "id": f["id"], "fields": f["fields"], "clocks": f["clocks"]}
            for f in findings]}
        payload = json.dumps(body, ensure_ascii=False).encode()
        reply = self.wire.send("POST", f"{self.base}/api/v1/sync/push", data=payload,
                               headers={"Content-Type": "application/json"})
        reply.raise_for_status()
        refused = [r for r in reply.json()["results"] if r["status"] != "accepted"]
        assert not refused, refused[:3]
        return len(payload)

    def put_photo(self, data: bytes) -> None:
        # A photo that fits in one chunk goes up in one PUT, no status query first.
        digest = hashlib.sha256(data).hexdigest()
        reply = self.wire.send("PUT", f"{self.base}/api/v1/photos/{digest}/upload", data=data, headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": chunk_range(0, len(data), len(data)).header()})
        assert reply.status_code in (200, 201) and reply.json()["complete"], reply.text[:300]

    def pull_pages(self) -> Iterator[tuple[int, int]]:
        """A full pull from cursor 0: (records, JSON bytes) of each page as it is pulled."""
        cursor, more = 0, True
        while more:
            reply = self.wire.send("GET", f"{self.base}/api/v1/sync/pull",
                                   params={"cursor": cursor, "limit": PAGE})
            reply.raise_for_status()
            page = reply.json()
            cursor, more = page["cursor"], page["more"]
            self.cursor = cursor
            yield len(page["changes"]), len(reply.content)

    def pull_nothing_new(self) -> None:
        reply = self.wire.send("GET", f"{self.base}/api/v1/sync/pull", params={"cursor": self.cursor})
        assert reply.ok and not reply.json()["changes"]


class PeerClient:
    name = "pouchdb-server"

    def __init__(self, base: str) -> None:
        self.base = base
        session = requests.Session()
        self.wire = Wire(session, base.removeprefix("http://"))
        for name in ("findings", "photos"):
            session.put(f"{base}/{name}").raise_for_status()
        self.since: str | int = 0

    def push(self, findings: list[dict]) -> int:
        docs = [{"_id": f["id"], "kind": "finding", **f["fields"], "clocks": f["clocks"]} for f in findings]
        payload = json.dumps({"docs": docs}, ensure_ascii=False).encode()
        reply = self.wire.send("POST", f"{self.base}/findings/_bulk_docs", data=payload,
                               headers={"Content-Type": "application/json"})
        reply.raise_for_status()
        refused = [r for r in reply.json() if not r.get("ok")]
        assert not refused, refused[:3]
        return len(payload)

    def put_photo(self, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        reply = self.wire.send("PUT", f"{self.base}/photos/{digest}/photo.jpg", data=data,
                               headers={"Content-Type": "image/jpeg"})
        assert reply.status_code == 201, reply.text[:300]

    def pull_pages(self) -> Iterator[tuple[int, int]]:
        since, full = 0, True
        while full:
            reply = self.wire.send("GET", f"{self.base}/findings/_changes",
                                   params={"include_docs": "true", "since": since, "limit": PAGE})
            reply.raise_for_status()
            page = reply.json()
            since, full = page["last_seq"], len(page["results"]) == PAGE
            self.since = since
            yield len(page["results"]), len(reply.content)

    def pull_nothing_new(self) -> None:
        reply = self.wire.send("GET", f"{self.base}/findings/_changes", params={"since": self.since})
        assert reply.ok and not reply.json()["results"]


# --- the workload ----------------------------------------------------------------------------


def findings_for(estate_id: str, count: int) -> list[dict]:
    clock, found = HybridClock("bench"), utcnow().isoformat(timespec="milliseconds") + "Z"
    made = []
    for n in range(count):
        stamp = clock.now()
        made.append({"id": str(uuid.uuid4()), "fields": {
            "estate_id": estate_id, "category": "楼道堆放杂物", "severity": "major",
            "location": f"{n % 30 + 1}栋{n % 4 + 1}单元", "description": f"{n}号：{DESCRIPTION}",
            "found_at": found}, "clocks": {name: stamp for name in ("category", "severity", "location",
                                                                    "description")}})
    return made


def width_for(target: int) -> int:
    """The width of a 4:3 test photo (Pillow, sensor-like noise) of about `target` bytes."""
    width = 640
    for _ in range(3):  # bytes grow with the area: scale the sides by the square root
        size = len(factories.photo_jpeg_bytes(width, width * 3 // 4, seed=0))
        width = max(64, int(width * (target / size) ** 0.5))
    return width


def new_photos(widths: dict[str, int], count: int, round_number: int) -> dict[str, list[bytes]]:
    """Photos never sent before (the peer would refuse a second PUT of the same document)."""
    return {label: [factories.photo_jpeg_bytes(width, width * 3 // 4, seed=round_number * 100_000 + i)
                    for i in range(count)] for label, width in widths.items()}


@dataclass
class Figure:
    """One workload's measurements for both servers over the rounds."""

    label: str
    unit: str
    higher_is_better: bool = True
    values: dict[str, list[float]] = field(default_factory=dict)
    wire: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # up, down, payload

    def add(self, side: str, value: float) -> None:
        self.values.setdefault(side, []).append(value)

    def median(self, side: str) -> float:
        return statistics.median(self.values[side])

    def ratio(self) -> float:
        ours, peer = self.median(XunchaClient.name), self.median(PeerClient.name)
        return ours / peer if self.higher_is_better else peer / ours

    def ratios(self) -> list[float]:
        """The ratio of each round (each full pull, for the pull) on its own: how far they spread."""
        pairs = zip(self.values[XunchaClient.name], self.values[PeerClient.name], strict=True)
        return [ours / peer if self.higher_is_better else peer / ours for ours, peer in pairs]


def timed_pair(clients: list, work: Callable[[object], object], times: dict[str, float]) -> list:
    """Run `work` on each client in turn (the order alternates by call), adding up the time."""
    results = []
    for client in clients:
        began = time.perf_counter()
        results.append(work(client))
        times[client.name] = times.get(client.name, 0.0) + time.perf_counter() - began
    clients.reverse()
    return results


def interleaved_pulls(clients: list) -> dict[str, tuple[float, int, int]]:
    """One full pull from each server, page by page in turn (the order flips every page), so a
    moment of load from elsewhere on the machine falls on both: (seconds, rows, JSON bytes)."""
    pages = {client.name: client.pull_pages() for client in clients}
    totals = {client.name: [0.0, 0, 0] for client in clients}
    order = list(clients)
    while pages:
        for client in order:
            if client.name not in pages:
                continue
            began = time.perf_counter()
            page = next(pages[client.name], None)
            total = totals[client.name]
            total[0] += time.perf_counter() - began
            if page is None:
                del pages[client.name]
            else:
                total[1] += page[0]
                total[2] += page[1]
        order.reverse()
    return {name: (seconds, rows, size) for name, (seconds, rows, size) in totals.items()}


def run_round(clients: list, estate_id: str, photos: dict[str, list[bytes]],
              figures: dict[str, Figure], settle: Callable[[], None] = lambda: None) -> None:
    findings = findings_for(estate_id, FINDINGS)
    for client in clients:
        client.wire.reset()
    times: dict[str, float] = {}
    payloads: dict[str, int] = {}
    for start in range(0, FINDINGS, BATCH):
        batch = findings[start:start + BATCH]
        order = list(clients)
        sizes = timed_pair(clients, lambda c, batch=batch: c.push(batch), times)
        for client, size in zip(order, sizes, strict=True):
            payloads[client.name] = payloads.get(client.name, 0) + size
    _record(figures["push"], clients, {k: FINDINGS / v for k, v in times.items()}, payloads)
    settle()

    for label, set_of_photos in photos.items():
        for client in clients:
            client.wire.reset()
        times = {}
        for data in set_of_photos:
            timed_pair(clients, lambda c, data=data: c.put_photo(data), times)
        total = sum(len(p) for p in set_of_photos)
        _record(figures[label], clients, {k: total / 1e6 / v for k, v in times.items()},
                {c.name: total for c in clients})

    for client in clients:
        client.wire.reset()
    payload = {client.name: 0 for client in clients}
    for _ in range(PULLS):
        for name, (seconds, rows, size) in interleaved_pulls(clients).items():
            figures["pull"].add(name, rows / seconds)
            payload[name] += size
    for client in clients:
        figures["pull"].wire[client.name] = (client.wire.up, client.wire.down, payload[client.name])

    samples: dict[str, list[float]] = {}
    for client in clients:
        client.wire.reset()
    for _ in range(NOCHANGE_PULLS):
        one: dict[str, float] = {}
        timed_pair(clients, lambda c: c.pull_nothing_new(), one)
        for name, seconds in one.items():
            samples.setdefault(name, []).append(seconds * 1000)
    _record(figures["nochange"], clients, {k: statistics.median(v) for k, v in samples.items()},
            {c.name: 0 for c in clients})


def _record(figure: Figure, clients: list, values: dict[str, float], payloads: dict[str, int]) -> None:
    for client in clients:
        figure.add(client.name, values[client.name])
        figure.wire[client.name] = (client.wire.up, client.wire.down, payloads[client.name])


def new_figures() -> dict[str, Figure]:
    return {
        "push": Figure(f"push {FINDINGS:,} findings ~1 KB, batches of {BATCH}", "records/s"),
        "photos50": Figure(f"{PHOTOS} photos ~50 KB", "MB/s"),
        "photos150": Figure(f"{PHOTOS} photos ~150 KB", "MB/s"),
        "pull": Figure("full pull, pages of 500", "records/s"),
        "nochange": Figure("no-change pull (median)", "ms", higher_is_better=False),
    }


def analyze_after_load(url: str) -> Callable[[], None]:
    """PostgreSQL: ANALYZE after the bulk load, as autovacuum does within a minute of it. On a
    table filled a second ago the planner believed it empty and read and sorted every row of a
    pull's band (19 ms a page instead of 4); a production database has its statistics."""
    if not url.startswith("postgresql"):
        return lambda: None
    import sqlalchemy as sa

    def settle() -> None:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
        engine.dispose()

    return settle


def compare(database: str, url: str, rounds: int, widths: dict[str, int]
            ) -> tuple[dict[str, Figure], list[tuple[str, str]]]:
    """The figures of `rounds` rounds, and the load averages before and after each round."""
    figures, loads = new_figures(), []
    with xuncha_server(url) as (xuncha_base, estate_id), peer_server(peer_binary()) as peer_base:
        clients = [XunchaClient(xuncha_base), PeerClient(peer_base)]
        for number in range(1, rounds + 1):
            photos = new_photos(widths, PHOTOS, number)
            sizes = ", ".join(f"{label} mean {statistics.mean(map(len, made)) / 1000:.1f} kB"
                              for label, made in photos.items())
            before = load_average()
            print(f"[{database}] round {number}/{rounds} ({sizes}), load before {before} …", flush=True)
            run_round(clients, estate_id, photos, figures, analyze_after_load(url))
            loads.append((before, load_average()))
            print(f"[{database}] round {number}/{rounds} done, load after {loads[-1][1]}", flush=True)
    return figures, loads


def report(database: str, figures: dict[str, Figure], loads: list[tuple[str, str]]) -> list[str]:
    rounds = len(figures["push"].values[XunchaClient.name])
    lines = [f"== Xuncha ({database}) beside {PEER_PACKAGE}: medians of {rounds} interleaved rounds =="]
    lines += [f"load (1, 5, 15 min) round {n}: before {before}, after {after}"
              for n, (before, after) in enumerate(loads, start=1)]
    for figure in figures.values():
        ours, peer = figure.median(XunchaClient.name), figure.median(PeerClient.name)
        each = figure.ratios()
        lines.append(f"{figure.label:<44} Xuncha {ours:>10,.1f}  peer {peer:>10,.1f} {figure.unit:<10}"
                     f" ratio {figure.ratio():.2f}×  (each: {min(each):.2f}–{max(each):.2f}×)")
        for side, (up, down, payload) in figure.wire.items():
            if payload:
                lines.append(f"    {side:<15} wire up {up / 1e6:7.2f} MB, down {down / 1e6:6.2f} MB;"
                             f" payload {payload / 1e6:6.2f} MB; up ÷ payload {up / payload:.4f},"
                             f" (up+down) ÷ payload {(up + down) / payload:.4f}")
            else:
                lines.append(f"    {side:<15} wire per request: up {up / NOCHANGE_PULLS:.0f} B,"
                             f" down {down / NOCHANGE_PULLS:.0f} B")
    return lines


def draw_chart(results: dict[str, dict[str, Figure]], path: Path, load_line: str = "") -> None:
    """Horizontal bars: Xuncha's figure as a multiple of the peer's (the peer is the 1× line);
    `load_line` under the title says how busy the machine was."""
    from PIL import Image, ImageDraw, ImageFont

    rows = [(db_name, figure) for db_name, figures in results.items() for figure in figures.values()]
    width, row_h, left, top = 1100, 34, 430, 70
    image = Image.new("RGB", (width, top + row_h * len(rows) + 60), "white")
    draw = ImageDraw.Draw(image)
    font_path = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    font = ImageFont.truetype(font_path, 16) if os.path.exists(font_path) else ImageFont.load_default()
    draw.text((20, 12), f"巡查 Xuncha ÷ {PEER_PACKAGE}（倍数，越大越好 / ratio, higher is better）",
              fill="black", font=font)
    draw.text((20, 36), load_line, fill="#555555", font=font)
    scale_max = max(4.0, max(figure.ratio() for _, figure in rows) * 1.1)
    span = width - left - 80

    def x_of(value: float) -> int:
        return left + int(span * value / scale_max)

    for tick in range(int(scale_max) + 1):
        draw.line([(x_of(tick), top - 8), (x_of(tick), top + row_h * len(rows))],
                  fill="#999999" if tick == 1 else "#e0e0e0", width=2 if tick == 1 else 1)
        draw.text((x_of(tick) - 8, top + row_h * len(rows) + 6), f"{tick}×", fill="black", font=font)
    for index, (db_name, figure) in enumerate(rows):
        y = top + index * row_h
        ratio = figure.ratio()
        draw.text((20, y + 7), f"{figure.label} ({db_name})", fill="black", font=font)
        draw.rectangle([x_of(0), y + 5, x_of(ratio), y + row_h - 5],
                       fill="#2e7d32" if ratio >= 1 else "#c62828")
        draw.text((x_of(ratio) + 6, y + 7), f"{ratio:.2f}×", fill="black", font=font)
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("XUNCHA_BENCH_DATABASE_URL"),
                        help="also compare on this PostgreSQL database (it is emptied)")
    parser.add_argument("--chart", default=str(Path(tempfile.gettempdir()) / "xuncha-peer-compare.png"))
    args = parser.parse_args()
    _stop_on_sigterm()

    widths = {"photos50": width_for(50_000), "photos150": width_for(150_000)}
    databases = [("SQLite", f"sqlite:///{tempfile.mkdtemp(prefix='xuncha-peer-db-')}/bench.sqlite3")]
    if args.postgres:
        databases.append(("PostgreSQL", args.postgres))
    results, load_parts = {}, []
    for database, url in databases:
        results[database], loads = compare(database, url, args.rounds, widths)
        print("\n".join(report(database, results[database], loads)), flush=True)
        load_parts.append(f"{database} {loads[0][0].split()[0]} → {loads[-1][1].split()[0]}")
    draw_chart(results, Path(args.chart), "负载 load (1 min): " + ", ".join(load_parts))
    print(f"chart: {args.chart}")


if __name__ == "__main__":
    main()
