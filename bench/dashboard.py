"""The supervisors' dashboard over a city of 1,000,000 findings in PostgreSQL.

    XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/x_bench \\
        .venv/bin/python bench/dashboard.py [--findings 1000000] [--export-rows 100000]

The database's tables are dropped and made again, then filled with bulk INSERT … SELECT over
generate_series (no ORM): 10 districts × 8 streets × 5 communities, 3,000 estates, 200
companies, 40 inspectors, findings over four years (85% closed). It prints the server time of
whole requests (Flask's test client: routing, queries, template) for the overview, the
ledger's first page, a filtered page, a page half a million rows deep in the keyset and the
two kinds of search; then an XLSX export of `--export-rows` ledger rows (seconds) and its peak
Python memory beside a tenth of the rows (it must not grow with rows). An SVG chart of the
request times is written to --chart.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.harness import fresh_app  # noqa: E402
from server.domain.accounts import set_password  # noqa: E402
from server.domain.estate_initials import name_initials  # noqa: E402
from server.domain.exports.ledger_export import export_ledger  # noqa: E402
from server.domain.models import Finding, User  # noqa: E402
from server.domain.pinyin_sort import pinyin_key  # noqa: E402
from server.domain.problem_ledger import LedgerFilters, encode_cursor  # noqa: E402
from server.extensions import db  # noqa: E402

NOW = datetime(2026, 6, 17, 2, 0)
OFFICE = "00000000-0000-0000-0000-000000000001"
PASSWORD = "bench password"
CATEGORIES = ["飞线充电", "楼道堆放杂物", "消防通道占用", "消防设施损坏", "电梯维保不及时",
              "电动自行车违规停放充电", "收支未公示", "收费信息未公示", "保洁不到位", "秩序维护不到位",
              "违章搭建", "漏雨渗水", "车辆乱停放",
              "设施设备老化"]
ESTATE_WORDS = ["阳光", "锦绣", "翠湖", "金色", "书香", "梧桐", "枫林", "御景", "滨江", "香樟", "紫薇",
                "和平"]
ESTATE_TAILS = ["花园", "家园", "雅苑", "华府", "名邸", "新村", "湾", "园"]

REGIONS_SQL = """
INSERT INTO office (id, name, short_name, legal_basis, created_at, updated_at)
VALUES (:office, '基准市住房和城乡建设局', '基准', '', now(), now());
INSERT INTO region (id, office_id, parent_id, level, code, name, server_seq, created_at, updated_at)
VALUES ('00000000-0000-0000-0002-000000000000', :office, NULL, 'city', '3205', '基准市', 0, now(), now());
INSERT INTO region (id, office_id, parent_id, level, code, name, server_seq, created_at, updated_at)
SELECT ('00000000-0000-0000-0002-' || lpad(d::text, 12, '0'))::uuid, :office,
       '00000000-0000-0000-0002-000000000000', 'district', '3205' || lpad(d::text, 2, '0'), '第' || d || '区',
       0, now(), now()
FROM generate_series(1, 10) d;
INSERT INTO region (id, office_id, parent_id, level, code, name, server_seq, created_at, updated_at)
SELECT ('00000000-0000-0000-0003-' || lpad((d * 100 + s)::text, 12, '0'))::uuid, :office,
       ('00000000-0000-0000-0002-' || lpad(d::text, 12, '0'))::uuid, 'street',
       '3205' || lpad(d::text, 2, '0') || lpad(s::text, 3, '0'), '第' || d || '区第' || s || '街道',
       0, now(), now()
FROM generate_series(1, 10) d, generate_series(1, 8) s;
INSERT INTO region (id, office_id, parent_id, level, code, name, server_seq, created_at, updated_at)
SELECT ('00000000-0000-0000-0004-' || lpad((d * 10000 + s * 100 + c)::text, 12, '0'))::uuid, :office,
       ('00000000-0000-0000-0003-' || lpad((d * 100 + s)::text, 12, '0'))::uuid, 'community',
       '3205' || lpad(d::text, 2, '0') || lpad(s::text, 3, '0') || lpad(c::text, 3, '0'),
       '第' || d || '区' || s || '街' || c || '社区', 0, now(), now()
FROM generate_series(1, 10) d, generate_series(1, 8) s, generate_series(1, 5) c;
INSERT INTO company (id, office_id, kind, name, credit_code, contact_person, phone, address, server_seq,
                     created_at, updated_at)
SELECT ('00000000-0000-0000-0005-' || lpad(k::text, 12, '0'))::uuid, :office, 'property_company',
       '基准' || k || '号物业服务有限公司',
       '9132050' || lpad(k::text, 11, '0'), '', '', '', 0, now(), now()
FROM generate_series(1, 200) k;
"""

# Found evenly over four years before NOW, two weeks to fix. The last 90 days' findings are in
# every state (by g % 100: 0–84 closed, 85–89 notified, 90–92 rectified_reported, 93–96
# overdue, 97–98 escalated, 99 open); older ones are closed but for 2% stuck overdue or
# escalated, as in an office that works its ledger. About 28,000 findings are not closed.
FINDINGS_SQL = """
INSERT INTO finding (id, office_id, estate_id, inspection_id, region_code, category, severity, location,
                     description, status, found_at, due_at, closed_at, reported_by_id, escalation_step,
                     server_seq, created_at, updated_at, field_clocks)
SELECT gen_random_uuid(), :office, e.id, NULL, e.region_code, (CAST(:categories AS text[]))[1 + g % 14],
       (ARRAY['minor', 'major', 'severe'])[1 + g % 3], (1 + g % 30) || '栋' || (1 + g % 4) || '单元',
       (CAST(:categories AS text[]))[1 + g % 14] || '，第' || g || '号记录，现场拍照取证',
       s.status, s.found,
       CASE WHEN s.status = 'open' THEN NULL ELSE s.found + interval '14 days' END,
       CASE WHEN s.status = 'closed' THEN s.found + (3 + g % 20) * interval '1 day' END,
       ('00000000-0000-0000-0006-' || lpad((1 + g % 40)::text, 12, '0'))::uuid,
       0, 0, now(), now(), '{}'
FROM (SELECT g, found,
             CASE WHEN found < :now - interval '90 days'
                  THEN CASE WHEN g % 100 < 98 THEN 'closed' WHEN g % 100 = 98 THEN 'overdue'
                            ELSE 'escalated' END
                  WHEN g % 100 < 85 THEN 'closed' WHEN g % 100 < 90 THEN 'notified'
                  WHEN g % 100 < 93 THEN 'rectified_reported' WHEN g % 100 < 97 THEN 'overdue'
                  WHEN g % 100 < 99 THEN 'escalated' ELSE 'open' END AS status
      FROM (SELECT g, :now - (g::float / :n) * interval '1460 days' AS found
            FROM generate_series(1, :n) g) t) s
JOIN bench_estate e ON e.n = 1 + (s.g::bigint * 7919) % 3000;
"""


def seed(findings: int) -> None:
    for statement in REGIONS_SQL.split(";"):
        if statement.strip():
            db.session.execute(sa.text(statement), {"office": OFFICE})
    communities = db.session.execute(sa.text(
        "SELECT id, code FROM region WHERE level = 'community' ORDER BY code")).all()
    estates = []
    for n in range(1, 3001):
        region_id, code = communities[n % len(communities)]
        name = f"{ESTATE_WORDS[n % 12]}{ESTATE_TAILS[(n // 12) % 8]}{n // 96 + 1}期"
        estates.append({"id": f"00000000-0000-0000-0007-{n:012d}", "n": n, "region_id": region_id,
                        "code": code, "name": name, "initials": name_initials(name),
                        "pinyin": pinyin_key(name),
                        "company": f"00000000-0000-0000-0005-{1 + n % 200:012d}"})
    db.session.execute(sa.text("""
        INSERT INTO estate (id, office_id, region_id, company_id, region_code, name, name_initials,
                            name_pinyin, address, management_type, households, floor_area, buildings,
                            committee_status, server_seq, created_at, updated_at)
        VALUES (CAST(:id AS uuid), :office, :region_id, CAST(:company AS uuid), :code, :name, :initials,
                :pinyin, '', 'professional', 500, 50000, 10, 'none', 0, now(), now())"""),
        [{**e, "office": OFFICE} for e in estates])
    # The lists sort by the pinyin key, as they do for companies and estates made by the app.
    companies = db.session.execute(sa.text("SELECT id, name FROM company WHERE office_id = :office"),
                                   {"office": OFFICE}).all()
    db.session.execute(sa.text("UPDATE company SET name_pinyin = :pinyin WHERE id = :id"),
                       [{"id": row.id, "pinyin": pinyin_key(row.name)} for row in companies])
    db.session.execute(sa.text(
        "CREATE TEMP TABLE bench_estate (n int PRIMARY KEY, id uuid, region_code text)"))
    db.session.execute(sa.text("INSERT INTO bench_estate VALUES (:n, CAST(:id AS uuid), :code)"), estates)
    for k in range(1, 41):
        district = 1 + k % 10
        user = User(id=uuid.UUID(f"00000000-0000-0000-0006-{k:012d}"), office_id=OFFICE,
                    username=f"inspector{k}", display_name=f"检查员{k}", role="inspector",
                    region_id=uuid.UUID(f"00000000-0000-0000-0002-{district:012d}"))
        set_password(user, "x")
        db.session.add(user)
    for username, region in (("city_supervisor", "00000000-0000-0000-0002-000000000000"),
                             ("district_supervisor", "00000000-0000-0000-0002-000000000003")):
        user = User(office_id=OFFICE, username=username, display_name=username, role="supervisor",
                    region_id=uuid.UUID(region))
        set_password(user, PASSWORD)
        db.session.add(user)
    db.session.flush()
    db.session.execute(sa.text(FINDINGS_SQL), {"office": OFFICE, "now": NOW, "n": findings,
                                               "categories": CATEGORIES})
    db.session.commit()


def login(client, username: str) -> None:
    import re

    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    reply = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302, reply.status_code


def timed_get(client, url: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        reply = client.get(url)
        out.append((time.perf_counter() - started) * 1000)
        assert reply.status_code == 200, (url, reply.status_code)
    return out


def deep_cursor(depth: int) -> str:
    """The cursor after the `depth`-th row of the default order (as if one had paged there)."""
    found_at, row_id = db.session.execute(
        sa.select(Finding.found_at, Finding.id).order_by(Finding.found_at.desc(), Finding.id.desc())
        .offset(depth).limit(1)).one()
    return encode_cursor(found_at, row_id)


def export_run(user: User, filters: LedgerFilters, trace: bool) -> tuple[int, float, int]:
    """Rows, seconds and (when traced) peak traced bytes of one export to a temporary file."""
    import tempfile

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        rows = export_ledger(out, user, filters, NOW)
    seconds = time.perf_counter() - started
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return rows, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--chart", default="/tmp/xuncha-dashboard-bench.svg")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the city a previous run left in the database (no reload)")
    args = parser.parse_args()
    url = os.environ.get("XUNCHA_BENCH_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        sys.exit("set XUNCHA_BENCH_DATABASE_URL to a PostgreSQL database kept for benchmarks")
    if args.reuse:
        from server import create_app

        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "CLOCK": lambda: NOW})
    else:
        app = fresh_app(url, CLOCK=lambda: NOW)
    with app.app_context():
        if not args.reuse:
            started = time.perf_counter()
            print(f"loading {args.findings:,} findings …", flush=True)
            seed(args.findings)
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
        args.findings = db.session.scalar(sa.select(sa.func.count()).select_from(Finding))
        cursor = deep_cursor(args.findings // 2)
    # VACUUM cannot run in a transaction: a fresh autocommit connection sets the visibility map
    # so counts use index-only scans, as on a database that has been running for a while.
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE finding"))
    engine.dispose()

    client = app.test_client()
    results: list[tuple[str, list[float]]] = []
    for who in ("city_supervisor", "district_supervisor"):
        with app.app_context():
            login(client, who)
        scope = "全市 city" if who == "city_supervisor" else "一个区 district"
        pages = [
            (f"总览 overview ({scope})", "/overview"),
            (f"台账首页 ledger first page ({scope})", "/problems"),
            (f"筛选页 filtered page ({scope})",
             "/problems?status=unclosed&category=%E9%A3%9E%E7%BA%BF%E5%85%85%E7%94%B5&severity=major&overdue=1"),
            (f"深页 page {args.findings // 2:,} rows deep ({scope})", f"/problems?after={cursor}"),
            (f"中文搜索 search 翠湖 ({scope})", "/problems?q=%E7%BF%A0%E6%B9%96"),
            (f"拼音首字母 initials chy ({scope})", "/problems?q=chy"),
        ]
        for label, path in pages:
            times = timed_get(client, path, args.repeat)
            results.append((label, times))
            print(f"{label:<55} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms"
                  f"  (n={len(times)})", flush=True)
        client.post("/logout")
        client = app.test_client()

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "city_supervisor"))
        # A district's findings since a date: as many rows as asked for, by the default order.
        small, big = args.export_rows // 10, args.export_rows
        for rows_wanted in (small, big):
            since = db.session.execute(
                sa.select(Finding.found_at).order_by(Finding.found_at.desc()).offset(rows_wanted - 1).limit(1)
            ).scalar_one()
            filters = LedgerFilters(found_from=since.date())
            rows, seconds, _ = export_run(user, filters, trace=False)
            _, _, peak = export_run(user, filters, trace=True)
            print(f"XLSX export of {rows:,} ledger rows: {seconds:.1f} s ({rows / seconds:,.0f} rows/s), "
                  f"peak Python memory {peak / 2**20:.1f} MiB (tracemalloc, second run)", flush=True)
    draw(results, Path(args.chart))
    print(f"chart: {args.chart}")


def draw(results: list[tuple[str, list[float]]], path: Path) -> None:
    from server.web.charts import Series, horizontal_bars

    labels = [label.split(" (")[0] + (" 市" if "city" in label else " 区") for label, _ in results]
    medians = [round(statistics.median(t)) for _, t in results]
    svg = horizontal_bars(labels, [Series("中位数 median ms", medians, "c1")],
                          "仪表盘请求耗时 Dashboard request time (ms)", "bench")
    style = ("<style>text{font:12px sans-serif}.c1{fill:#1f6feb}.grid{stroke:#ddd}"
             ".tick,.value{fill:#666;font-size:11px}</style>")
    path.write_text(str(svg).replace("<title", style + "<title", 1), encoding="utf-8")


if __name__ == "__main__":
    main()
