"""How long the demo city takes to build, and how big it is, at scale 1 and 10 (and 100 with --big).

    .venv/bin/python bench/demo_city.py [--big] [--no-photos]

Each build goes into a fresh temporary SQLite file; with XUNCHA_BENCH_DATABASE_URL set (a
PostgreSQL database kept for benchmarks: its tables are dropped and made again) each scale is
built there too. Photos are drawn for at most 1000 findings per build (the command's default).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import create_app  # noqa: E402
from server.demo import DemoOptions, build_demo_city  # noqa: E402
from server.extensions import db  # noqa: E402
from server.storage import get_photo_store  # noqa: E402

SHOWN = ["region", "company", "estate", "user_account", "inspection", "answer", "finding", "notice",
         "revisit", "photo"]


def bench_one(url: str, workdir: Path, scale: int, photos: bool) -> tuple[float, dict[str, int], int]:
    photo_dir = workdir / f"photos-{scale}"
    app = create_app({"DATABASE_URL": url, "PHOTO_DIR": str(photo_dir), "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "scrypt"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        report = build_demo_city(db.session, get_photo_store(app),
                                 DemoOptions(scale=scale, today=date(2026, 3, 16), photos=photos))
        seconds = time.perf_counter() - started
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    photo_bytes = sum(p.stat().st_size for p in photo_dir.rglob("*.jpg")) if photo_dir.exists() else 0
    # (originals and their thumbnails)
    return seconds, report.counts, photo_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also build at scale 100 (a few minutes)")
    parser.add_argument("--no-photos", action="store_true", help="draw no photos")
    args = parser.parse_args()
    scales = [1, 10] + ([100] if args.big else [])
    targets = [("sqlite", None)]
    if os.environ.get("XUNCHA_BENCH_DATABASE_URL"):
        targets.append(("postgresql", os.environ["XUNCHA_BENCH_DATABASE_URL"]))
    print(f"{'db':<11}{'scale':>6}{'seconds':>9}{'rows':>10}{'photo MB':>10}  " + " ".join(SHOWN))
    for label, url in targets:
        for scale in scales:
            with tempfile.TemporaryDirectory(prefix="xuncha-bench-") as tmp:
                workdir = Path(tmp)
                seconds, counts, photo_bytes = bench_one(url or f"sqlite:///{workdir / 'bench.sqlite3'}",
                                                         workdir, scale, not args.no_photos)
            rows = sum(counts.values())
            print(f"{label:<11}{scale:>6}{seconds:>9.1f}{rows:>10}{photo_bytes / 2**20:>10.1f}  "
                  + " ".join(str(counts.get(name, 0)) for name in SHOWN), flush=True)


if __name__ == "__main__":
    main()
