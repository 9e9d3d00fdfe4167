"""No-change pull latency as the database grows: 10k and then 1M findings.

    .venv/bin/python bench/pull_nochange.py [--max 1000000]
    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/pull_nochange.py

A tablet whose cursor is current asks the server for news; the answer must cost the same
whatever the size of the finding table.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import database_urls, describe, fresh_app, serve  # noqa: E402
from server.domain.database import current_change_number, take_change_numbers  # noqa: E402
from server.domain.models import Finding  # noqa: E402
from server.domain.models.base import utcnow  # noqa: E402
from server.extensions import db  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402
from tests.small_city import build_small_city  # noqa: E402

CHUNK = 20_000


def add_findings(estates, count: int) -> None:
    """Bulk-insert findings spread over both districts, with real change numbers."""
    now = utcnow()
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        numbers = iter(take_change_numbers(db.session, size))
        rows = []
        for n in range(size):
            estate = estates[(done + n) % len(estates)]
            rows.append({"id": uuid.uuid4(), "office_id": estate.office_id, "estate_id": estate.id,
                         "region_code": estate.region_code, "category": "楼道堆放杂物",
                         "severity": "major", "location": "1栋1单元", "description": "bench",
                         "status": "open", "found_at": now, "due_at": now + timedelta(days=7),
                         "field_clocks": {}, "server_seq": next(numbers), "created_at": now,
                         "updated_at": now})
        db.session.execute(sa.insert(Finding), rows)
        db.session.commit()
        done += size
        print(f"  … {done:,} findings", file=sys.stderr, end="\r")
    print(file=sys.stderr)


def measure(base: str, headers: dict, cursor: int, repeats: int = 300) -> list[float]:
    http = requests.Session()
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        reply = http.get(f"{base}/api/v1/sync/pull?cursor={cursor}", headers=headers)
        samples.append((time.perf_counter() - began) * 1000)
        assert reply.status_code == 200 and not reply.json()["changes"]
    return samples


def run(label: str, url: str, sizes: list[int]) -> None:
    app = fresh_app(url)
    with app.app_context():
        city = build_small_city()
        estates = [city.estate_a1, city.estate_a2, city.estate_b]
        with serve(app) as base:
            headers = {"X-Xuncha-Schema": "1"}
            paired = requests.post(f"{base}/api/v1/devices/pair", headers=headers, json={
                "username": "insp_a", "password": PASSWORD, "device_name": "bench"}).json()
            headers["Authorization"] = f"Bearer {paired['token']}"
            have = 0
            for size in sizes:
                add_findings(estates, size - have)
                have = size
                cursor = current_change_number(db.session)  # a tablet that is up to date
                print(f"[{label}] no-change pull with {size:,} findings: "
                      f"{describe(measure(base, headers, cursor))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max", type=int, default=1_000_000)
    args = parser.parse_args()
    steps = [s for s in (10_000, 100_000, 1_000_000) if s <= args.max]
    for label, url in database_urls("pull"):
        run(label, url, steps)
