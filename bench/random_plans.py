"""Double-random draws and the 12345 import at a large city's size: how long they take.

    .venv/bin/python bench/random_plans.py [--estates 3372] [--inspectors 60] [--draw 100] [--repeat 5]
    (XUNCHA_BENCH_DATABASE_URL=postgresql+psycopg://... adds a PostgreSQL run)

The city: one office with `--estates` estates over 40 communities, `--inspectors` inspectors,
a recusal for every 20th estate and a finished inspection (with its pair) for every estate, so
each estate excludes its last pair. It prints the median and p95 of: the pure draw of `--draw`
estates, a whole draw (pool, exclusions, draw, saved), its re-draw to verify, its confirmation
into inspections, and a 12345 import of `--rows` rows (checked and written).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.harness import database_urls, describe, fresh_app  # noqa: E402
from server.domain.complaints.hotline_import import HEADERS, import_hotline  # noqa: E402
from server.domain.models import Estate, InspectionStatus, Recusal, Role  # noqa: E402
from server.domain.random_plans import PoolFilters, confirm_plan, draw_new_plan, draw_plan, verify_plan  # noqa: E402
from server.extensions import db  # noqa: E402
from tests import factories  # noqa: E402

NOW = datetime(2026, 11, 20, 2, 0)


def build(estates: int, inspectors: int) -> dict:
    office = factories.office()
    tree = factories.region_tree(office)
    communities = [factories.region(office, tree["street"], name=f"社区{n}") for n in range(40)]
    company = factories.company(office)
    template = factories.template(office, sections=2, items_per_section=3)
    people = [
        factories.user(office, Role.INSPECTOR, region_id=tree["district"].id) for _ in range(inspectors)
    ]
    boss = factories.user(office, Role.SUPERVISOR, region_id=tree["district"].id)
    places = [factories.estate(communities[n % 40], company, name=f"小区{n:05d}") for n in range(estates)]
    for n, estate in enumerate(places):
        pair = [people[n % inspectors], people[(n + 1) % inspectors]]
        factories.inspection(
            estate,
            template,
            inspectors=pair,
            status=InspectionStatus.FINISHED,
            finished_at=datetime(2026, 10, 1 + n % 28, 3, 0),
        )
        if n % 20 == 0:
            db.session.add(
                Recusal(
                    office_id=office.id,
                    inspector_id=people[(n + 2) % inspectors].id,
                    estate_id=estate.id,
                    reason="亲属任职",
                )
            )
    db.session.commit()
    return {"boss": boss, "estates": places}


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def hotline_csv(names: list[str], rows: int, offset: int) -> bytes:
    lines = [",".join(HEADERS)]
    for n in range(rows):
        lines.append(
            ",".join(
                [
                    f"B-{offset}-{n}",
                    "2026-11-02 10:00",
                    names[n % len(names)],
                    "",
                    "楼道堆放杂物无人清理",
                    "某先生",
                    "13900000000",
                ]
            )
        )
    return "\n".join(lines).encode("utf-8-sig")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--estates", type=int, default=3372)
    parser.add_argument("--inspectors", type=int, default=60)
    parser.add_argument("--draw", type=int, default=100)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for kind, url in database_urls("random-plans"):
        run(kind, url, args)


def run(kind: str, url: str, args: argparse.Namespace) -> None:
    app = fresh_app(url)
    with app.app_context():
        started = time.perf_counter()
        city = build(args.estates, args.inspectors)
        print(
            f"[{kind}] city of {args.estates} estates, {args.inspectors} inspectors built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        samples: dict[str, list[float]] = {k: [] for k in ("pure", "draw", "verify", "confirm", "import")}
        names = list(db.session.scalars(sa.select(Estate.name).order_by(Estate.name)))
        for n in range(args.repeat):
            ms, plan = timed(
                lambda n=n: draw_new_plan(
                    city["boss"],
                    f"基准{n}",
                    args.draw,
                    date(2026, 11, 25),
                    PoolFilters(),
                    seed=f"bench-{n}",
                )
            )
            samples["draw"].append(ms)
            db.session.commit()
            samples["pure"].append(
                timed(
                    lambda plan=plan: draw_plan(
                        plan.seed,
                        plan.estate_pool,
                        plan.inspector_pool,
                        plan.exclusions,
                        plan.estate_count,
                    )
                )[0]
            )
            ms, check = timed(lambda plan=plan: verify_plan(plan))
            assert check.matches
            samples["verify"].append(ms)
            samples["confirm"].append(timed(lambda plan=plan: confirm_plan(plan, city["boss"], NOW))[0])
            db.session.commit()
            ms, result = timed(
                lambda n=n: import_hotline(city["boss"], hotline_csv(names, args.rows, n), "b.csv")
            )
            assert result.ok, result.problems[:3] or result.file_error
            samples["import"].append(ms)
            db.session.commit()
        labels = {
            "pure": f"pure draw of {args.draw}",
            "draw": "whole draw (pool, exclusions, saved)",
            "verify": "re-draw to verify",
            "confirm": f"confirm into {args.draw} inspections",
            "import": f"12345 import of {args.rows} rows",
        }
        for key, label in labels.items():
            print(f"[{kind}] {label}: {describe(samples[key])}")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
