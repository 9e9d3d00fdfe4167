"""Photo upload benchmark against a real server on 127.0.0.1.

Serves the app with `xuncha serve` (waitress) in its own process (SQLite file made with
db.create_all(), photos in a temporary folder), pairs a device, uploads N photos of ~300 KB in
256 KiB chunks the way docs/photos.md tells a tablet to (status, then chunks), then "uploads"
the same photos again.

    .venv/bin/python bench/photo_upload.py [--photos 200] [--chunk-kib 256]

Prints throughput, the bytes on the wire per photo byte (HTTP request/response lines, headers
and bodies; TCP/IP framing not counted) and the requests a second upload costs.

    .venv/bin/python bench/photo_upload.py --request-cost [--against DIR] [--postgres URL]

The cost of one request instead: photos of ~50 KB and ~150 KB sent whole, one PUT each, and
no-change pulls, with the CPU time the server process spent per request (from
/proc/<pid>/stat, so it moves far less with the machine's load than wall time does) beside the
wall time. With --against, the same requests go, interleaved, to a second `xuncha serve` run
from another checkout of the code (e.g. `git archive <rev> | tar -x -C DIR`): a before/after
measured under one load. With --postgres, each server gets a database of its own,
URL + "_this" / "_other" (they must exist; their tables are dropped).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from limits import parse  # noqa: E402

from bench.harness import load_average, serve_in_own_process  # noqa: E402
from bench.wire import Wire  # noqa: E402
from server import create_app  # noqa: E402
from server.config import default_config  # noqa: E402
from server.domain.models import Role  # noqa: E402
from server.extensions import db  # noqa: E402
from shared_schema import SCHEMA_VERSION  # noqa: E402
from shared_schema.photos import chunk_range  # noqa: E402
from tests import factories  # noqa: E402


def upload(wire: Wire, base: str, data: bytes, chunk: int) -> None:
    """A tablet's upload: ask where the server stands, send from there, chunk by chunk."""
    digest = hashlib.sha256(data).hexdigest()
    url = f"{base}/api/v1/photos/{digest}/upload"
    if len(data) <= chunk:  # fits in one chunk: sent at once, no status query first
        offset, complete = 0, False
    else:
        status = wire.send("GET", url).json()
        offset, complete = status["offset"], status["complete"]
    while not complete:
        piece = data[offset:offset + chunk]
        if not piece:
            raise SystemExit("upload stands at its end but is not complete")
        reply = wire.send("PUT", url, data=piece, headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": chunk_range(offset, len(piece), len(data)).header(),
        })
        if reply.status_code == 409:
            offset = reply.json()["error"]["details"]["offset"]
            continue
        if reply.status_code not in (200, 201):
            raise SystemExit(f"upload refused: {reply.status_code} {reply.text}")
        body = reply.json()
        offset, complete = body["offset"], body["complete"]


# --- the cost of one request ------------------------------------------------------------------

# Run with the other checkout's code first on the path: its database made by its own models.
_MAKE_CITY = """import sys
from bench.harness import fresh_app
from server.extensions import db
from tests.small_city import build_small_city
app = fresh_app(sys.argv[1])
with app.app_context():
    build_small_city(); db.session.commit(); db.session.remove(); db.engine.dispose()
"""


def _children() -> set[int]:
    mine, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == mine:
                    found.add(int(entry))
    return found


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _served(stack: contextlib.ExitStack, code: Path, url: str) -> tuple[str, requests.Session, int]:
    """`xuncha serve` of the code in `code` over a fresh small city; (base URL, paired session, pid)."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run([sys.executable, "-c", _MAKE_CITY, url], env=env, cwd=code, check=True)
    before = _children()
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(code)  # serve_in_own_process passes os.environ on
    try:
        base = stack.enter_context(serve_in_own_process(url))
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved
    pid = (_children() - before).pop()
    from bench.peer_compare import XunchaClient  # pairs the small city's inspector

    return base, XunchaClient(base).wire.session, pid


def _put_whole(base: str, session: requests.Session, data: bytes) -> None:
    reply = session.put(f"{base}/api/v1/photos/{hashlib.sha256(data).hexdigest()}/upload", data=data,
                        headers={"Content-Type": "application/octet-stream",
                                 "Content-Range": chunk_range(0, len(data), len(data)).header()})
    assert reply.status_code == 201, reply.text[:300]


def _nothing_new(base: str, session: requests.Session, cursor: int) -> None:
    reply = session.get(f"{base}/api/v1/sync/pull", params={"cursor": cursor})
    assert reply.ok and not reply.json()["changes"], reply.text[:300]


def _last_cursor(base: str, session: requests.Session) -> int:
    cursor, more = 0, True
    while more:
        page = session.get(f"{base}/api/v1/sync/pull", params={"cursor": cursor, "limit": 1000}).json()
        cursor, more = page["cursor"], page["more"]
    return cursor


def request_cost(photos: int, against: Path | None, postgres: str | None) -> None:
    from bench.peer_compare import new_photos, width_for

    codes = {"this": ROOT, **({"other": against.resolve()} if against else {})}
    print(f"load before: {load_average()}", flush=True)
    with contextlib.ExitStack() as stack:
        sides = {}
        for name, code in codes.items():
            url = f"{postgres}_{name}" if postgres else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
            sides[name] = _served(stack, code, url)
        made = new_photos({"~50 KB": width_for(50_000), "~150 KB": width_for(150_000)}, photos, 1)
        work = [(f"PUT of a photo {label}, whole", [(_put_whole, data) for data in batch])
                for label, batch in made.items()]
        cursors = {name: _last_cursor(base, session) for name, (base, session, _pid) in sides.items()}
        work.append(("no-change pull", [(_nothing_new, None)] * photos))
        for label, calls in work:
            wall: dict[str, list[float]] = {name: [] for name in sides}
            cpu_before = {name: _cpu_seconds(pid) for name, (_b, _s, pid) in sides.items()}
            for n, (call, data) in enumerate(calls):
                for name in (list(sides) if n % 2 else list(sides)[::-1]):  # the order flips each time
                    base, session, _pid = sides[name]
                    began = time.perf_counter()
                    call(base, session, cursors[name] if data is None else data)
                    wall[name].append((time.perf_counter() - began) * 1000)
            for name, (_b, _s, pid) in sides.items():
                cpu = (_cpu_seconds(pid) - cpu_before[name]) / len(calls) * 1000
                print(f"{label:<34} {name:<5} ({codes[name]}): server CPU {cpu:.2f} ms per request, "
                      f"wall median {statistics.median(wall[name]):.2f} ms", flush=True)
    print(f"load after: {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--chunk-kib", type=int, default=256)
    parser.add_argument("--request-cost", action="store_true",
                        help="CPU and wall time of one-PUT photos and no-change pulls")
    parser.add_argument("--against", type=Path, help="with --request-cost: another checkout, interleaved")
    parser.add_argument("--postgres", help="with --request-cost: URL prefix of the databases")
    args = parser.parse_args()
    if args.request_cost:
        request_cost(args.photos, args.against, args.postgres)
        return
    chunk = args.chunk_kib * 1024

    with tempfile.TemporaryDirectory(prefix="xuncha-bench-") as tmp:
        app = create_app({
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "PHOTO_DIR": os.path.join(tmp, "photos"),
            "SECRET_KEY": "bench",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            # The per-device limiter would otherwise set the pace (see the note printed below).
            "DEVICE_RATE_LIMIT": "1000000000 per minute",
        })
        with app.app_context():
            db.create_all()
            office = factories.office()
            district = factories.region_tree(office)["district"]
            user = factories.user(office, Role.INSPECTOR, region_id=district.id)
            username = user.username
            db.session.commit()

        served = serve_in_own_process(f"sqlite:///{tmp}/bench.sqlite3")
        base = served.__enter__()
        host = base.removeprefix("http://")
        session = requests.Session()
        try:
            session.headers["X-Xuncha-Schema"] = str(SCHEMA_VERSION)
            paired = session.post(f"{base}/api/v1/devices/pair", json={
                "username": username, "password": factories.PASSWORD, "device_name": "bench"})
            paired.raise_for_status()
            session.headers["Authorization"] = f"Bearer {paired.json()['token']}"
            wire = Wire(session, host)

            print(f"making {args.photos} photos …", flush=True)
            photos = [factories.photo_jpeg_bytes(seed=i) for i in range(args.photos)]
            total = sum(len(p) for p in photos)

            started = time.perf_counter()
            for data in photos:
                upload(wire, base, data, chunk)
            elapsed = time.perf_counter() - started
            first = (wire.requests, wire.up, wire.down)

            wire.reset()
            again_started = time.perf_counter()
            for data in photos:
                upload(wire, base, data, chunk)
            again_elapsed = time.perf_counter() - again_started
            again = (wire.requests, wire.up, wire.down)

            sample = photos[len(photos) // 2]
            check = session.get(f"{base}/api/v1/photos/{hashlib.sha256(sample).hexdigest()}")
            assert check.content == sample, "a downloaded photo differs from the upload"
        finally:
            session.close()
            served.__exit__(None, None, None)

    mb = total / 1e6
    print(f"photos: {args.photos}, {mb:.1f} MB, mean {total / args.photos / 1000:.0f} kB, "
          f"chunks of {args.chunk_kib} KiB")
    print(f"first upload:  {elapsed:.2f} s, {mb / elapsed:.1f} MB/s, {first[0]} requests "
          f"({first[0] / args.photos:.1f} per photo)")
    print(f"  wire up   {first[1] / 1e6:.2f} MB = {first[1] / total:.4f} × photo bytes "
          f"(overhead {first[1] - total} B, {(first[1] - total) / args.photos:.0f} B per photo)")
    print(f"  wire down {first[2] / 1e6:.3f} MB ({first[2] / args.photos:.0f} B per photo)")
    print(f"re-upload of the same {args.photos}: {again[0]} requests "
          f"({again[0] / args.photos:.0f} per photo), {again_elapsed:.2f} s, "
          f"wire up {again[1] / 1e3:.1f} kB + down {again[2] / 1e3:.1f} kB")
    per_minute = parse(default_config(tmp)["DEVICE_RATE_LIMIT"]).amount
    floor = max(0, first[0] - per_minute) / (per_minute / 60)
    print(f"note: limiter raised to {app.config['DEVICE_RATE_LIMIT']} here; with the default "
          f"({per_minute} per minute) these {first[0]} requests need at least {floor:.0f} s.")


if __name__ == "__main__":
    main()
