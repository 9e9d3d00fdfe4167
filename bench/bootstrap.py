"""First sync of a new tablet: an inspector scoped to about 30 estates of a large demo city.

    .venv/bin/python bench/bootstrap.py [--scale 100]
    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bootstrap.py

Builds the demo city at the given scale (without photos), gives an inspector the street whose
estates number closest to 30, pairs a tablet and times the bootstrap stream and the first
(empty) pull after it: requests, seconds, bytes on the wire.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import database_urls, fresh_app, serve  # noqa: E402
from server.config import DEMO_PASSWORD  # noqa: E402
from server.demo.builder import DemoOptions, build_demo_city  # noqa: E402
from server.domain.models import Estate, Region, RegionLevel, Role, User  # noqa: E402
from server.extensions import db  # noqa: E402


def street_with_about(target: int) -> Region:
    streets = db.session.scalars(sa.select(Region).where(Region.level == RegionLevel.STREET)).all()
    street_code = sa.func.substr(Estate.region_code, sa.literal_column("1"), sa.literal_column("9"))
    counts = dict(db.session.execute(
        sa.select(street_code, sa.func.count()).group_by(street_code)).all())

    def size(street: Region) -> int:
        return sum(n for code, n in counts.items() if code.startswith(street.code))

    return min(streets, key=lambda s: abs(size(s) - target)), size


def run(label: str, url: str, scale: int) -> None:
    app = fresh_app(url)
    with app.app_context():
        began = time.perf_counter()
        build_demo_city(db.session, app.config["PHOTO_DIR"], DemoOptions(scale=scale, photos=False))
        built = time.perf_counter() - began
        street, size = street_with_about(30)
        inspector = db.session.scalars(sa.select(User).where(User.role == Role.INSPECTOR)).first()
        inspector.region_id = street.id
        db.session.commit()
        username, estates = inspector.username, size(street)
        findings = db.session.scalar(sa.text("SELECT count(*) FROM finding"))
        db.session.remove()
    print(f"[{label}] demo city ×{scale}: built in {built:.1f} s, {findings:,} findings in all; "
          f"tablet scope: {street.name}, {estates} estates")
    with serve(app) as base:
        http = requests.Session()
        headers = {"X-Xuncha-Schema": "1"}
        token = http.post(f"{base}/api/v1/devices/pair", headers=headers, json={
            "username": username, "password": DEMO_PASSWORD, "device_name": "bench"}).json()["token"]
        headers.update({"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"})
        began = time.perf_counter()
        reply = http.get(f"{base}/api/v1/sync/bootstrap", headers=headers, stream=True)
        raw = reply.raw.read()
        lines = gzip.decompress(raw).decode().splitlines()
        cursor = json.loads(lines[0])["cursor"]
        kinds: dict[str, int] = {}
        for line in lines[1:-1]:
            kind = json.loads(line)["kind"]
            kinds[kind] = kinds.get(kind, 0) + 1
        streamed = time.perf_counter() - began
        after = http.get(f"{base}/api/v1/sync/pull?cursor={cursor}", headers=headers).json()
        total = time.perf_counter() - began
    print(f"[{label}] bootstrap: 2 requests (stream + first pull), {total:.2f} s "
          f"(stream {streamed:.2f} s), {len(lines) - 2:,} records, {len(raw) / 1024:,.0f} KiB gzip "
          f"on the wire; first pull after it: {len(after['changes'])} changes")
    print(f"[{label}]   records by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100)
    args = parser.parse_args()
    for label, url in database_urls("bootstrap"):
        run(label, url, args.scale)
