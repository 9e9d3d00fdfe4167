"""The scheduler's scan over 1M findings in PostgreSQL: milliseconds per tick.

    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x_bench \\
        .venv/bin/python bench/reminder_scan.py [--findings 1000000]

The database's tables are dropped and made again. The data is a city after years of work:
85% of findings closed, the rest notified / reported / overdue / escalated / open with
deadlines spread over a year, and 4 reminders for every finding that ever had a deadline
(most sent long ago). A tick finds newly overdue findings, due escalations and due reminders
through partial or composite indexes, so its cost follows the work due, not the table size;
the EXPLAIN lines printed show which index each query used.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.harness import load_average, postgresql_bench, timed  # noqa: E402
from server.domain.models import Reminder  # noqa: E402
from server.domain.rectification.escalations import due_escalations, due_overdue  # noqa: E402
from server.extensions import db  # noqa: E402
from server.jobs import run_once  # noqa: E402

NOW = datetime(2026, 6, 15, 1, 30)

SEED_SQL = """
INSERT INTO office (id, name, short_name, legal_basis, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000001', '基准市住建局', '基准', '', now(), now());
INSERT INTO region (id, office_id, level, code, name, server_seq, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000001', 'community',
        '320505001001', '基准社区', 0, now(), now());
INSERT INTO company (id, office_id, kind, name, credit_code, contact_person, phone, address, server_seq,
                     created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000001', 'property_company',
        '基准物业', '91320505MA0000000X', '', '', '', 0, now(), now());
INSERT INTO estate (id, office_id, region_id, company_id, region_code, name, name_initials, address,
                    management_type, households, floor_area, buildings, committee_status, server_seq,
                    created_at, updated_at)
SELECT ('00000000-0000-0000-0001-' || lpad(g::text, 12, '0'))::uuid,
       '00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000002',
       '00000000-0000-0000-0000-000000000003', '320505001001', '基准小区' || g, 'jzxq' || g, '',
       'professional', 500, 50000, 10, 'none', 0, now(), now()
FROM generate_series(1, 1000) g;
INSERT INTO user_account (id, office_id, username, display_name, password_hash, password_is_demo, role,
                          company_id, email, phone, active, must_change_password, failed_logins,
                          session_token, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-000000000004', '00000000-0000-0000-0000-000000000001', 'bench_company',
        '企业', 'x', false, 'company', '00000000-0000-0000-0000-000000000003', '', '', true, false, 0,
        md5('bench_company'), now(), now());
"""

# Status by bucket of g: 0–84 closed, 85–89 notified, 90–92 rectified_reported, 93–96 overdue,
# 97–98 escalated, 99 open. Deadlines spread over the year around NOW.
FINDINGS_SQL = """
INSERT INTO finding (id, office_id, estate_id, region_code, category, severity, location, description,
                     status, found_at, due_at, closed_at, escalation_step, next_escalation_at,
                     server_seq, created_at, updated_at, field_clocks)
SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001',
       ('00000000-0000-0000-0001-' || lpad((1 + g % 1000)::text, 12, '0'))::uuid, '320505001001',
       '楼道堆放杂物', 'major', '1栋', '',
       CASE WHEN g % 100 < 85 THEN 'closed' WHEN g % 100 < 90 THEN 'notified'
            WHEN g % 100 < 93 THEN 'rectified_reported' WHEN g % 100 < 97 THEN 'overdue'
            WHEN g % 100 < 99 THEN 'escalated' ELSE 'open' END,
       due - interval '7 days',
       CASE WHEN g % 100 = 99 THEN NULL
            WHEN g % 100 BETWEEN 85 AND 89 THEN :now + (1 + (g / 100) % 60) * interval '1 day'
            WHEN g % 100 BETWEEN 93 AND 98 THEN :now - (2 + (g / 100) % 60) * interval '1 day'
            ELSE due END,
       CASE WHEN g % 100 < 85 THEN due - interval '1 day' END,
       CASE WHEN g % 100 BETWEEN 93 AND 98 THEN 1 ELSE 0 END,
       CASE WHEN g % 100 BETWEEN 93 AND 98 THEN :now + (1 + (g / 100) % 7) * interval '1 day' END,
       0, now(), now(), '{}'
FROM (SELECT g, :now - interval '300 days' + (g % 360) * interval '1 day' AS due
      FROM generate_series(1, :n) g) s;
"""

REMINDERS_SQL = """
INSERT INTO reminder (id, finding_id, recipient_id, channel, kind, scheduled_at, next_attempt_at, sent_at,
                      cancelled_at, attempts, last_error, subject, body, created_at, updated_at)
SELECT gen_random_uuid(), f.id, '00000000-0000-0000-0000-000000000004', 'inbox', k.kind,
       f.due_at + k.shift, f.due_at + k.shift,
       CASE WHEN f.due_at + k.shift < :now THEN f.due_at + k.shift END,
       CASE WHEN f.status IN ('closed', 'rectified_reported') AND f.due_at + k.shift >= :now
            THEN :now - interval '1 day' END,
       1, '', '', '', now(), now()
FROM finding f
CROSS JOIN (VALUES ('before', interval '-3 days'), ('before', interval '-1 day'),
                   ('due', interval '0'), ('overdue', interval '1 day')) AS k(kind, shift)
WHERE f.due_at IS NOT NULL AND f.status <> 'open';
"""


def explain(stmt) -> str:
    compiled = stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    plan = db.session.execute(sa.text(f"EXPLAIN {compiled}")).scalars().all()
    return " | ".join(line.strip() for line in plan if "Index" in line or "Seq Scan" in line)


def main() -> None:
    args, app = postgresql_bench(__doc__, findings=1_000_000, repeat=20)
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(sa.text(SEED_SQL))
        db.session.execute(sa.text(FINDINGS_SQL), {"now": NOW, "n": args.findings})
        db.session.execute(sa.text(REMINDERS_SQL), {"now": NOW})
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        count = lambda table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: E731
        print(f"loaded {count('finding'):,} findings and {count('reminder'):,} reminders "
              f"in {time.perf_counter() - started:.1f} s")
        pending = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder)
                                    .where(Reminder.sent_at.is_(None)))
        print(f"  pending reminders {pending:,}; load average {load_average()}")

        print("plans:")
        print("  overdue   :", explain(due_overdue(NOW, 200)))
        print("  escalation:", explain(due_escalations(NOW, 200)))
        queue = (sa.select(Reminder.id).where(Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None),
                                              Reminder.next_attempt_at <= NOW)
                 .order_by(Reminder.next_attempt_at).limit(50))
        print("  reminders :", explain(queue))

        # The first tick at NOW does the day's work (nothing was run before); later ticks find
        # nothing new, the steady state of a scheduler waking every minute.
        first = timed(lambda: run_once(NOW), 1)[0]
        report = run_once(NOW)
        print(f"first tick (catching up): {first:,.0f} ms")
        idle = timed(lambda: run_once(NOW + timedelta(seconds=30)), args.repeat)
        print(f"idle tick over {args.findings:,} findings: median {statistics.median(idle):.1f} ms, "
              f"max {max(idle):.1f} ms (n={len(idle)}) {report}")
        # A day's work in one tick (as if the scheduler had been stopped for a day): the findings
        # whose deadline passed and every reminder that came due in those 24 hours.
        later = NOW + timedelta(days=1)
        started = time.perf_counter()
        busy = run_once(later)
        print(f"busy tick: {(time.perf_counter() - started) * 1000:.0f} ms ({busy})")


if __name__ == "__main__":
    main()
