"""Push throughput: 5,000 findings in batches of 250 through HTTP on 127.0.0.1.

    .venv/bin/python bench/sync_push.py              # SQLite
    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/sync_push.py         # and PostgreSQL
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import database_urls, fresh_app, serve  # noqa: E402
from server.domain.models.base import utcnow  # noqa: E402
from server.extensions import db  # noqa: E402
from shared_schema.clock import HybridClock  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.small_city import build_small_city  # noqa: E402

FINDINGS = 5000
BATCH = 250


def run(label: str, url: str) -> None:
    app = fresh_app(url)
    with app.app_context():
        city = build_small_city()
        estate_id = str(city.estate_a1.id)
        db.session.remove()
    with serve(app) as base:
        http = requests.Session()
        headers = {"X-Xuncha-Schema": "1"}
        paired = http.post(f"{base}/api/v1/devices/pair", headers=headers, json={
            "username": "insp_a", "password": PASSWORD, "device_name": "bench"}).json()
        headers["Authorization"] = f"Bearer {paired['token']}"
        clock = HybridClock("bench")
        found = utcnow().isoformat() + "Z"
        batches = []
        for start in range(0, FINDINGS, BATCH):
            records = []
            for n in range(start, min(start + BATCH, FINDINGS)):
                stamp = clock.now()
                records.append({"kind": "finding", "id": str(uuid.uuid4()), "fields": {
                    "estate_id": estate_id, "category": "楼道堆放杂物", "severity": "major",
                    "location": f"{n % 30 + 1}栋{n % 4 + 1}单元", "description": "楼道内堆放纸箱",
                    "found_at": found}, "clocks": {"category": stamp, "severity": stamp,
                                                   "location": stamp, "description": stamp}})
            batches.append({"batch_id": str(uuid.uuid4()), "records": records})
        began = time.perf_counter()
        for batch in batches:
            reply = http.post(f"{base}/api/v1/sync/push", headers=headers, json=batch)
            reply.raise_for_status()
            assert all(r["status"] == "accepted" for r in reply.json()["results"])
        first = time.perf_counter() - began
        began = time.perf_counter()
        for batch in batches:  # the same batches again: answered from the stored replies
            http.post(f"{base}/api/v1/sync/push", headers=headers, json=batch).raise_for_status()
        replay = time.perf_counter() - began
    print(f"[{label}] push {FINDINGS} findings in batches of {BATCH}: {first:.2f} s, "
          f"{FINDINGS / first:,.0f} findings/s; replay of every batch: {replay:.2f} s "
          f"({FINDINGS / replay:,.0f} findings/s)")


if __name__ == "__main__":
    for label, url in database_urls("push"):
        run(label, url)
