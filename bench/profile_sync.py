"""Profile push, photo upload and pull in one process with pyinstrument (docs/performance.md).

    .venv/bin/python bench/profile_sync.py push|photos|pull [--database-url URL] [--html out.html]

Requests go through Flask's test client, so the profile shows the server's work (routing,
validation, database, disk) without the network. Prints pyinstrument's call tree.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import sys
import tempfile
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
    findings = findings_for(estate_id, 5000)
    bodies = [json.dumps({"batch_id": str(uuid.uuid4()), "records": [
        {"kind": "finding", "id": f["id"], "fields": f["fields"], "clocks": f["clocks"]}
        for f in findings[start:start + 500]]}) for start in range(0, len(findings), 500)]
    photos = []
    if args.what == "photos":
        width = width_for(50_000)
        photos = [factories.photo_jpeg_bytes(width, width * 3 // 4, seed=i) for i in range(200)]
    if args.what == "pull":
        for body in bodies:
            client.post("/api/v1/sync/push", headers=headers, data=body, content_type="application/json")

    # As `xuncha serve` does before serving: what is loaded now stays out of the GC's full passes.
    gc.collect()
    gc.freeze()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    if args.what == "push":
        for body in bodies:
            reply = client.post("/api/v1/sync/push", headers=headers, data=body,
                                content_type="application/json")
            assert reply.status_code == 200, reply.get_data(as_text=True)[:300]
    elif args.what == "photos":
        for data in photos:
            reply = client.put(f"/api/v1/photos/{hashlib.sha256(data).hexdigest()}/upload", data=data,
                               headers={**headers, "Content-Type": "application/octet-stream",
                                        "Content-Range": chunk_range(0, len(data), len(data)).header()})
            assert reply.status_code == 201, reply.get_data(as_text=True)[:300]
    else:
        for _ in range(3):
            cursor, more = 0, True
            while more:
                page = client.get(f"/api/v1/sync/pull?cursor={cursor}&limit=500", headers=headers).get_json()
                cursor, more = page["cursor"], page["more"]
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
