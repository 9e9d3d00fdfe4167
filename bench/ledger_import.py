"""Rows per second of the estate ledger import (台账导入) on a 5,000-row .xlsx.

    .venv/bin/python bench/ledger_import.py [--rows 5000]

Runs on a fresh SQLite file, and also on PostgreSQL when XUNCHA_BENCH_DATABASE_URL names a
database (its tables are created if missing; the bench's own office is deleted afterwards).
Prints, per database: reading the workbook, checking it (a dry run: read + validate), the first
import (5,000 estates created, committed) and a re-import of the same file (nothing changes).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server import create_app  # noqa: E402
from server.domain.ledger import import_ledger, read_ledger  # noqa: E402
from server.domain.models import AuditEntry, Company, Estate, Office, Region, RegionLevel  # noqa: E402
from server.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def bench(database_url: str, rows: int, workdir: str) -> None:
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench", "PHOTO_DIR": workdir,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        office = factories.office(name="台账导入基准测试局")
        regions = factories.community_tree(office, streets=5, communities_per_street=8)
        db.session.commit()
        try:
            data = factories.ledger_xlsx(factories.ledger_rows(regions, rows, code_body="BX"))
            print(f"{db.engine.dialect.name}: {rows} rows, {len(data) / 1024:.0f} KiB .xlsx, "
                  f"{sum(r.level == RegionLevel.COMMUNITY for r in regions)} communities")
            _measure("read .xlsx", rows, lambda: read_ledger(data, "bench.xlsx"))
            _measure("check (read + validate, dry run)", rows,
                     lambda: _checked(import_ledger(data, office, filename="bench.xlsx", dry_run=True)))
            db.session.rollback()
            _measure("import, all new (commit included)", rows, lambda: _imported(data, office, "created"))
            _measure("re-import, unchanged (commit included)", rows,
                     lambda: _imported(data, office, "unchanged"))
        finally:
            db.session.rollback()
            _delete_office(office.id)
            db.engine.dispose()


def _measure(label: str, rows: int, action) -> None:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"  {label:<40} {seconds:7.2f} s  {rows / seconds:9,.0f} rows/s")


def _checked(report) -> None:
    if not report.ok:
        raise SystemExit(f"bench data did not validate: {report.sorted_errors()[0].line()}")


def _imported(data: bytes, office: Office, expected: str) -> None:
    report = import_ledger(data, office, filename="bench.xlsx")
    _checked(report)
    db.session.commit()
    if getattr(report.estates, expected) != report.rows:
        raise SystemExit(f"expected every estate {expected}, got {report.estates.to_dict()}")


def _delete_office(office_id) -> None:
    for model in (AuditEntry, Estate, Company):
        db.session.execute(sa.delete(model).where(model.office_id == office_id))
    db.session.execute(sa.update(Region).where(Region.office_id == office_id).values(parent_id=None))
    db.session.execute(sa.delete(Region).where(Region.office_id == office_id))
    db.session.execute(sa.delete(Office).where(Office.id == office_id))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xuncha-bench-") as workdir:
        bench(f"sqlite:///{workdir}/bench.sqlite3", args.rows, workdir)
        url = os.environ.get("XUNCHA_BENCH_DATABASE_URL")
        if url:
            bench(url, args.rows, workdir)


if __name__ == "__main__":
    main()
