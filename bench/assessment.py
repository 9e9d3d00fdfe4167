"""Assessment over a scaled city in PostgreSQL: how long scores, lists, stars and the PDF take.

    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x_bench \\
        .venv/bin/python bench/assessment.py [--findings 200000] [--repeat 5]

The city is bench/bulletins.py's (bench/dashboard.py's 3,000 estates and findings over four years,
plus inspections, notices, revisits and escalations), scored with the template rules
(docs/assessment.md). It prints the median and spread of: estate scores for a month, a quarter
and a year (the whole city and one district), company scores with credit, red and black lists,
star ratings, and rendering the red and black list PDF.
"""

from __future__ import annotations

import sys
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bulletins import seed_city  # noqa: E402
from bench.dashboard import NOW, OFFICE  # noqa: E402
from bench.harness import describe_with_cpu, postgresql_bench  # noqa: E402
from server.documents.red_black_pdf import red_black_pdf  # noqa: E402
from server.domain import assessment  # noqa: E402
from server.domain.assessment import rules as assessment_rules  # noqa: E402
from server.domain.models import User  # noqa: E402
from server.domain.periods import Period  # noqa: E402
from server.extensions import db  # noqa: E402


def _publish_template_rules(office: uuid.UUID) -> None:
    admin = db.session.query(User).filter(User.office_id == office).order_by(User.role).first()
    assessment_rules.save_draft(db.session, office, assessment_rules.template_rules())
    assessment_rules.publish_draft(db.session, office, date(2022, 1, 1), admin)


def main() -> None:
    args, app = postgresql_bench(__doc__, findings=200_000, repeat=5, CLOCK=lambda: NOW)
    office = uuid.UUID(OFFICE)
    with app.app_context():
        seed_city(args.findings, then=lambda: _publish_template_rules(office))
        month, quarter, year = Period.parse("2026-05"), Period.parse("2026-Q1"), Period.parse("2025")
        district = "320503"
        cases = [
            ("estate scores, month 2026-05, city",
             lambda: assessment.estate_scores(db.session, office, month)),
            ("estate scores, month, one district",
             lambda: assessment.estate_scores(db.session, office, month, district)),
            ("estate scores, quarter 2026-Q1, city",
             lambda: assessment.estate_scores(db.session, office, quarter)),
            ("estate scores, year 2025, city", lambda: assessment.estate_scores(db.session, office, year)),
            ("company scores + credit, quarter",
             lambda: assessment.company_scores(db.session, office, quarter)),
            ("red and black lists, quarter", lambda: assessment.red_black_lists(db.session, office, quarter)),
            ("star ratings, year 2025", lambda: assessment.star_ratings(db.session, office, year)),
        ]
        for label, fn in cases:
            print(f"{label:40s} {describe_with_cpu(fn, args.repeat)}")
        scored = assessment.estate_scores(db.session, office, quarter)
        print(f"  (2026-Q1: {len(scored)} estates scored, "
              f"{len(assessment.company_scores(db.session, office, quarter))} companies)")
        lists = assessment.red_black_lists(db.session, office, quarter)
        size = len(red_black_pdf("基准测试市住建局", lists))
        pdf = describe_with_cpu(lambda: red_black_pdf("基准测试市住建局", lists), args.repeat)
        print(f"{'render red/black PDF, quarter':40s} {pdf}  {size // 1024} KiB")


if __name__ == "__main__":
    main()
