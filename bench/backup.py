"""Backup and restore of a demo city: a first backup, a second one after 20 new photos (only
those are copied), and a restore into an empty instance.

    .venv/bin/python bench/backup.py [--scale 1]
    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x_bench \
        .venv/bin/python bench/backup.py

Prints rows, photos and megabytes, and the seconds of each step, per database.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import database_urls, fresh_app  # noqa: E402
from server import create_app  # noqa: E402
from server.backup import restore_backup, write_backup  # noqa: E402
from server.demo import DemoOptions, build_demo_city  # noqa: E402
from server.domain.photos import PhotoLimits, add_photo  # noqa: E402
from server.extensions import db  # noqa: E402
from server.storage import get_photo_store  # noqa: E402
from tests import factories  # noqa: E402


def _megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    for kind, url in database_urls("backup"):
        app = fresh_app(url)
        folder = Path(tempfile.mkdtemp(prefix="xuncha-bench-backup-"))
        with app.app_context():
            build_demo_city(db.session, get_photo_store(app), DemoOptions(scale=args.scale))
            started = time.perf_counter()
            first = write_backup(app, folder / "out")
            first_s = time.perf_counter() - started
            limits = PhotoLimits.from_config(app.config)
            for n in range(20):
                add_photo(get_photo_store(app), factories.jpeg_bytes(1600, 1200, seed=1000 + n), limits)
            db.session.commit()
            started = time.perf_counter()
            second = write_backup(app, folder / "out")
            second_s = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
        with factories.scratch_database(url, "_restore", folder / "restored.sqlite3") as fresh_url:
            fresh = create_app({"DATABASE_URL": fresh_url, "SECRET_KEY": "bench",
                                "PHOTO_DIR": str(folder / "restored-photos")})
            with fresh.app_context():
                started = time.perf_counter()
                restored = restore_backup(fresh, folder / "out")
                restore_s = time.perf_counter() - started
                db.session.remove()
                db.engine.dispose()
        rows = sum(first.rows.values())
        print(f"{kind}, demo city ×{args.scale}: {rows:,} rows, {first.photos} photos, "
              f"{_megabytes(folder / 'out'):.1f} MB in the backup folder")
        print(f"  first backup {first_s:.2f} s ({first.photos_copied} photos copied); "
              f"second after 20 new photos {second_s:.2f} s ({second.photos_copied} copied); "
              f"restore into an empty instance {restore_s:.2f} s "
              f"({sum(restored.rows.values()):,} rows, {restored.photos} photos)")


if __name__ == "__main__":
    main()
