"""Bulletins over a scaled city in PostgreSQL: how long counting, the PDF, the XLSX and the page take.

    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x_bench \\
        .venv/bin/python bench/bulletins.py [--findings 200000] [--repeat 5]

The city is bench/dashboard.py's (10 districts, 3,000 estates, findings over four years),
with inspections (one per five findings), notices (one per ten), revisits of a third of the
closed findings and escalations of the escalated ones, all made with INSERT … SELECT. It prints
the median and spread of: counting a month's bulletin for the city and for one district, a
half-year's and a year's (every figure by district and category, the monthly trend and the other
modules' sections), rendering the year's PDF and XLSX, and whole page requests (test client).
"""

from __future__ import annotations

import io
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.dashboard import NOW, OFFICE, login, seed  # noqa: E402
from bench.harness import describe, describe_with_cpu, load_average, postgresql_bench, timed  # noqa: E402
from server.documents.bulletin_pdf import render_bulletin_pdf  # noqa: E402
from server.domain.bulletins.report import build_bulletin  # noqa: E402
from server.domain.bulletins.workbook import write_bulletin_xlsx  # noqa: E402
from server.domain.periods import Period  # noqa: E402
from server.extensions import db  # noqa: E402

MORE_SQL = """
INSERT INTO inspection (id, office_id, estate_id, template_id, kind, status, complaint_channel, planned_for,
                        started_at, finished_at, score, max_score, note, created_by_id, region_code,
                        server_seq, deleted_at, created_at, updated_at, field_clocks)
SELECT gen_random_uuid(), office_id, estate_id, NULL, 'routine', 'finished', NULL, found_at, found_at,
       found_at + interval '1 hour', 90, 100, '', NULL, region_code, 0, NULL, now(), now(), '{}'
FROM finding WHERE abs(hashtext(id::text)) % 5 = 0;
INSERT INTO notice (id, office_id, estate_id, company_id, year, number, status, issued_at, issued_by_id,
                    legal_basis, day_kind, cancelled_at, cancelled_by_id, cancel_reason, cancelled_items,
                    region_code, server_seq, deleted_at, created_at, updated_at)
SELECT gen_random_uuid(), f.office_id, f.estate_id, e.company_id, extract(year FROM f.found_at)::int,
       row_number() OVER (PARTITION BY extract(year FROM f.found_at) ORDER BY f.found_at),
       'issued', f.found_at + interval '1 day', NULL, '', 'calendar', NULL, NULL, '', '[]',
       f.region_code, 0, NULL, now(), now()
FROM finding f JOIN estate e ON e.id = f.estate_id WHERE abs(hashtext(f.id::text)) % 10 = 1;
INSERT INTO revisit (id, finding_id, inspector_id, due_at, status, result, done_at, note, trigger, done_by_id,
                     region_code, server_seq, deleted_at, created_at, updated_at, field_clocks)
SELECT gen_random_uuid(), id, reported_by_id, closed_at, 'done',
       CASE WHEN abs(hashtext(id::text)) % 7 = 0 THEN 'not_fixed' ELSE 'fixed' END, closed_at, '', 'reported',
       NULL, region_code, 0, NULL, now(), now(), '{}'
FROM finding WHERE closed_at IS NOT NULL AND abs(hashtext(id::text)) % 3 = 0;
INSERT INTO escalation (id, finding_id, company_id, kind, decided_at, decided_by_id, credit_points, note,
                        created_at, updated_at)
SELECT gen_random_uuid(), f.id, e.company_id,
       (ARRAY['urge', 'interview', 'penalty'])[1 + abs(hashtext(f.id::text)) % 3],
       f.due_at + interval '2 days', NULL, 5, '', now(), now()
FROM finding f JOIN estate e ON e.id = f.estate_id WHERE f.status = 'escalated';
ANALYZE
"""


def seed_more() -> dict[str, int]:
    for statement in MORE_SQL.split(";"):
        if statement.strip():
            db.session.execute(sa.text(statement))
    db.session.commit()
    return {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
            for table in ("finding", "inspection", "notice", "revisit", "escalation", "estate")}


def seed_city(findings: int, then=None) -> None:
    """The bulletins' city (bench/dashboard.py's and the rows above); `then` runs before the
    commit (bench/assessment.py publishes its rules there). Prints its size and the load."""
    started = time.perf_counter()
    seed(findings)
    rows = seed_more()
    if then is not None:
        then()
    db.session.commit()
    print(f"city: {rows} (seeded in {time.perf_counter() - started:.0f} s)")
    print(f"load average: {load_average()}")


def main() -> None:
    args, app = postgresql_bench(__doc__, findings=200_000, repeat=5, CLOCK=lambda: NOW)
    office = uuid.UUID(OFFICE)
    with app.app_context():
        seed_city(args.findings)
        month, half, year = Period.parse("2026-05"), Period.parse("2026-H1"), Period.parse("2025")
        district = "320503"
        cases = [
            ("count month 2026-05, city", lambda: build_bulletin(db.session, office, month, None, now=NOW)),
            ("count month 2026-05, one district",
             lambda: build_bulletin(db.session, office, month, district, now=NOW)),
            ("count half-year 2026-H1, city",
             lambda: build_bulletin(db.session, office, half, None, now=NOW)),
            ("count year 2025, city", lambda: build_bulletin(db.session, office, year, None, now=NOW)),
        ]
        for label, fn in cases:
            print(f"{label:38s} {describe_with_cpu(fn, args.repeat)}")
        annual = build_bulletin(db.session, office, year, None, now=NOW)
        totals = annual.totals
        print(f"  (2025: {totals['findings_found']} found, {totals['inspections']} inspections, "
              f"{totals['notices_issued']} notices, {totals['revisits_done']} revisits)")
        pdf_size = len(render_bulletin_pdf(annual))
        pdf = describe_with_cpu(lambda: render_bulletin_pdf(annual), args.repeat)
        print(f"{'render PDF, year 2025':38s} {pdf}  {pdf_size // 1024} KiB")
        print(f"{'write XLSX, year 2025':38s} "
              f"{describe_with_cpu(lambda: write_bulletin_xlsx(io.BytesIO(), annual), args.repeat)}")
    client = app.test_client()
    login(client, "city_supervisor")
    for path in ("/bulletins/2026-05", "/bulletins/2025", "/bulletins/2025/pdf",
                 "/bulletins/2026-05/rows/findings_found"):
        def get(path=path):
            with client.get(path) as reply:
                assert reply.status_code == 200, (path, reply.status_code)
        print(f"GET {path:34s} {describe(timed(get, args.repeat))}")


if __name__ == "__main__":
    main()
