"""Profile push, photo upload and pull in one process with pyinstrument (docs/performance.md).

    .venv/bin/python bench/profile_sync.py push|photos|pull [--database-url URL] [--html out.html]
    .venv/bin/python bench/profile_sync.py push --cpu [--batches 20]      # CPU per request, no profiler

Requests go through Flask's test client, so the profile shows the server's work (routing,
validation, database, disk) without the network. Prints pyinstrument's call tree, or with
`--cpu` the CPU time (process_time: this process, whatever the other load) of each measured
request, its least and its median, beside /proc/loadavg. The measured requests run inside one
functools.reduce call, so that valgrind counts their instructions alone, a figure the machine's
load does not move:

    valgrind --tool=callgrind --toggle-collect=functools_reduce \
        .venv/bin/python bench/profile_sync.py push --cpu --batches 2
"""

from __future__ import annotations

import argparse
import functools
import gc
import hashlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyinstrument import Profiler  # noqa: E402

from bench.harness import fresh_app  # noqa: E402
from bench.peer_compare import findings_for, width_for  # noqa: E402
from server.extensions import db  # noqa: E402
from shared_schema import SCHEMA_VERSION  # noqa: E402
from shared_schema.photos import chunk_range  # noqa: E402
from tests import factories  # noqa: E402
from tests.small_city import build_small_city  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("push", "photos", "pull"))
    parser.add_argument("--database-url",
                        default=f"sqlite:///{tempfile.mkdtemp(prefix='xuncha-profile-')}/p.sqlite3")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    parser.add_argument("--cpu", action="store_true", help="CPU time per request instead of a profile")
    parser.add_argument("--batches", type=int, default=10,
                        help="batches of 500 findings (with --cpu, a push measures these after 4 more)")
    args = parser.parse_args()
    app = fresh_app(args.database_url)
    with app.app_context():
        estate_id = str(build_small_city().estate_a1.id)
        db.session.remove()
    client = app.test_client()
    headers = {"X-Xuncha-Schema": str(SCHEMA_VERSION)}
    paired = client.post("/api/v1/devices/pair", headers=headers, json={
        "username": "insp_a", "password": factories.PASSWORD, "device_name": "profile"}).get_json()
    headers["Authorization"] = f"Bearer {paired['token']}"
    warm = 4 if args.cpu else 0  # a fresh app's first requests fill its caches
    findings = findings_for(estate_id, 500 * (args.batches + warm))
    bodies = [json.dumps({"batch_id": str(uuid.uuid4()), "records": [
        {"kind": "finding", "id": f["id"], "fields": f["fields"], "clocks": f["clocks"]}
        for f in findings[start:start + 500]]}, ensure_ascii=False).encode()
        for start in range(0, len(findings), 500)]
    photos = []
    if args.what == "photos":
        width = width_for(50_000)
        photos = [factories.photo_jpeg_bytes(width, width * 3 // 4, seed=i) for i in range(200)]
    if args.what == "pull":
        for body in bodies:
            client.post("/api/v1/sync/push", headers=headers, data=body, content_type="application/json")

    def push(body: bytes) -> None:
        reply = client.post("/api/v1/sync/push", headers=headers, data=body, content_type="application/json")
        assert reply.status_code == 200, reply.get_data(as_text=True)[:300]

    def upload(data: bytes) -> None:
        reply = client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}/upload", data=data,
                           headers={**headers, "Content-Type": "application/octet-stream",
                                    "Content-Range": chunk_range(0, len(data), len(data)).header()})
        assert reply.status_code == 201, reply.get_data(as_text=True)[:300]

    def pull_all(_round: int) -> None:
        cursor, more = 0, True
        while more:
            page = client.get(f"/api/v1/sync/pull?cursor={cursor}&limit=500", headers=headers).get_json()
            cursor, more = page["cursor"], page["more"]

    if args.what == "push":
        for body in bodies[:warm]:
            push(body)
    work, items = {"push": (push, bodies[warm:]), "photos": (upload, photos),
                   "pull": (pull_all, range(3))}[args.what]
    cpu: list[float] = []

    def timed(_: None, item) -> None:
        began = time.process_time()
        work(item)
        cpu.append(time.process_time() - began)

    # As `xuncha serve` does before serving: what is loaded now stays out of the GC's full passes.
    gc.collect()
    gc.freeze()
    profiler = None if args.cpu else Profiler(interval=0.0005)
    if profiler:
        profiler.start()
    functools.reduce(timed, items, None)
    if profiler is None:
        print(f"{args.what}, {args.database_url.split(':')[0]}: CPU per request least "
              f"{min(cpu) * 1000:.1f} ms, median {statistics.median(cpu) * 1000:.1f} ms over {len(cpu)}; "
              f"load {Path('/proc/loadavg').read_text().split(' ', 3)[:3]}")
        return
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
