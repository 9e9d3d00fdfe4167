"""Notice PDF generation: a notice with 10 findings and 20 photos (1600×1200 JPEGs).

    .venv/bin/python bench/notice_pdf.py [--repeat 3]

Prints seconds per PDF (median) and its size in bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import database_urls, fresh_app  # noqa: E402
from server.documents import render_notice_pdf  # noqa: E402
from server.domain.models import Photo, PhotoLink, PhotoRole, Role  # noqa: E402
from server.domain.rectification import issue_notice  # noqa: E402
from server.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    _, url = next(database_urls("notice-pdf"))
    app = fresh_app(url)
    with app.app_context():
        office = factories.office(legal_basis="《物业管理条例》第四十六条")
        tree = factories.region_tree(office)
        estate = factories.estate(tree["community"], factories.company(office))
        supervisor = factories.user(office, Role.SUPERVISOR)
        photos: dict[str, bytes] = {}
        findings = []
        for n in range(10):
            finding = factories.finding(estate, description=f"第{n + 1}号问题", found_at=datetime(2026, 3, 2))
            for k in range(2):
                data = factories.jpeg_bytes(1600, 1200, seed=n * 2 + k)
                sha = hashlib.sha256(data).hexdigest()
                photos[sha] = data
                db.session.add(Photo(sha256=sha, size=len(data), stored=True))
                db.session.add(PhotoLink(photo_sha256=sha, role=PhotoRole.EVIDENCE, finding_id=finding.id,
                                         region_code=finding.region_code))
            findings.append(finding)
        notice = issue_notice(estate, findings, supervisor, now=datetime(2026, 3, 2, 2))
        db.session.commit()
        render_notice_pdf(notice, photos.get)  # warm-up: fonts and WeasyPrint's first load
        samples, size = [], 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            size = len(render_notice_pdf(notice, photos.get))
            samples.append(time.perf_counter() - started)
    source = sum(len(d) for d in photos.values())
    print(f"notice PDF, 10 findings, 20 photos ({source / 1e6:.1f} MB of JPEG in): "
          f"median {statistics.median(samples):.2f} s, max {max(samples):.2f} s (n={len(samples)}), "
          f"{size:,} bytes")


if __name__ == "__main__":
    main()
