"""One bulletin: every figure of figures.py for a period and an area, in total, by district
and by problem category, the monthly trend of a longer period, and the sections other modules
count (complaints, red and black lists, penalties and commendations, double-random plans)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.bulletins import sources
from server.domain.bulletins.figures import (
    CATEGORY_FIGURES,
    FIGURES,
    RATE_BY_KEY,
    RATES,
    SOURCES,
    count_query,
    rate_of,
)
from server.domain.finding_history import closed_at_as_of
from server.domain.models import Office, Region
from server.domain.models.base import utcnow
from server.domain.periods import Period
from server.domain.pinyin_sort import pinyin_key

BULLETIN_KINDS_ZH = {"week": "周报送", "month": "月通报", "quarter": "季度通报", "half": "半年统计",
                     "year": "年度统计"}


class BulletinError(ValueError):
    """A request for a bulletin that cannot be made (unknown area); the message is for the user."""


@dataclass
class Counts:
    """Figure key → count, with the rates derived from them."""

    values: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.values.get(key, 0)

    def rate(self, key: str) -> float | None:
        r = RATE_BY_KEY[key]
        return rate_of(self[r.part], self[r.whole])


@dataclass
class AreaCounts:
    region: Region
    counts: Counts


@dataclass
class CategoryCounts:
    category: str
    counts: Counts


@dataclass
class MonthPoint:
    month: Period
    found: int
    closed: int


@dataclass
class Bulletin:
    office: Office
    period: Period
    region: Region | None  # None: the whole office
    generated_at: datetime  # naive UTC, as stored
    totals: Counts
    districts: list[AreaCounts]
    categories: list[CategoryCounts]
    trend: list[MonthPoint]
    complaints: list[Any] | None  # ChannelFigures rows; None: no source in this tree
    red_black: Any | None  # RedBlackLists; None: no source
    credit_records: list[Any] | None  # CreditEntry rows (penalties, commendations); None: no source
    plans: Any | None  # PlanFigures; None: no source

    @property
    def title_zh(self) -> str:
        area = self.region.name if self.region else self.office.name
        return f"{area}{self.period.label_zh}物业监管{BULLETIN_KINDS_ZH[self.period.kind]}"

    @property
    def region_code(self) -> str | None:
        return self.region.code if self.region else None


def breakdown_regions(session: Session, office_id: uuid.UUID, region_code: str | None
                      ) -> tuple[Region | None, list[Region]]:
    """The bulletin's area and the regions one level below it (the districts of a city); an
    area without children is its own only row."""
    if region_code:
        area = session.scalar(sa.select(Region).where(Region.office_id == office_id,
                                                      Region.code == region_code,
                                                      Region.deleted_at.is_(None)))
        if area is None:
            raise BulletinError(f"本单位没有代码为 {region_code[:20]} 的区域 (no such region)")
        parents = [area]
    else:
        area = None
        parents = list(session.scalars(sa.select(Region).where(
            Region.office_id == office_id, Region.parent_id.is_(None), Region.deleted_at.is_(None))
            .order_by(Region.code)))
        if len(parents) != 1:
            return None, parents  # several top regions: they are the breakdown
    children = list(session.scalars(sa.select(Region).where(
        Region.parent_id == parents[0].id, Region.deleted_at.is_(None)).order_by(Region.code)))
    return area, children or parents


def _by_source() -> dict[str, list]:
    grouped: dict[str, list] = {}
    for figure in FIGURES:
        grouped.setdefault(figure.source, []).append(figure)
    return grouped


def _source_rows(session: Session, source_key: str, figures: list, office_id: uuid.UUID, period: Period,
                 region_prefix: str | None, closed: sa.ColumnElement):
    """(region code, category or None, {figure key: n}) per group: one query per kind of row.
    Each figure is a SUM(CASE …) of its own clauses over the rows any of them counts, so a
    year's findings are read once, not once per figure. Estates inspected count DISTINCT."""
    source = SOURCES[source_key]
    groups = [source.region] + ([source.category] if source.category is not None else [])
    if source_key == "estate":
        (figure,) = figures
        counts = [sa.func.count(sa.distinct(source.counted))]
        where = sa.and_(*figure.clauses(period, closed))
    else:
        conditions = [sa.and_(*f.clauses(period, closed)) for f in figures]
        # SUM(CASE …) rather than FILTER: the same SQL on SQLite and PostgreSQL.
        counts = [sa.func.coalesce(sa.func.sum(sa.case((c, 1), else_=0)), 0) for c in conditions]
        where = sa.or_(*conditions)
    query = source.select([*groups, *counts], office_id, region_prefix).where(where).group_by(*groups)
    for row in session.execute(query):
        category = row[1] if len(groups) == 2 else None
        yield row[0], category, {f.key: int(n) for f, n in zip(figures, row[len(groups):], strict=True)}


def count_figures(session: Session, office_id: uuid.UUID, period: Period, region_prefix: str | None,
                  regions: list[Region]) -> tuple[Counts, dict[str, Counts], list[CategoryCounts]]:
    """Totals, the counts of each region of `regions` (keyed by code) and of each problem
    category (most problems found first, ties in pinyin order). Rows are grouped by the region
    code copied onto them (a community's) and added up into the breakdown region whose code
    begins it."""
    totals, per_region = Counts(), {r.code: Counts() for r in regions}
    lengths = sorted({len(r.code) for r in regions})
    by_category: dict[str, Counts] = {}
    category_keys = {f.key for f in CATEGORY_FIGURES}
    closed = closed_at_as_of(session, office_id, period.end_naive_utc)
    for source_key, figures in _by_source().items():
        for code, category, counts in _source_rows(session, source_key, figures, office_id, period,
                                                   region_prefix, closed):
            area = next((per_region[code[:n]] for n in lengths if code[:n] in per_region), None)
            for key, n in counts.items():
                totals.values[key] = totals[key] + n
                if area is not None:
                    area.values[key] = area[key] + n
                if category is not None and key in category_keys:
                    row = by_category.setdefault(category, Counts())
                    row.values[key] = row[key] + n
    for figure in FIGURES:
        totals.values.setdefault(figure.key, 0)
    categories = [CategoryCounts(c, counts) for c, counts in by_category.items()
                  if any(counts[k] for k in category_keys)]
    categories.sort(key=lambda row: (-row.counts["findings_found"], pinyin_key(row.category)))
    return totals, per_region, categories


def monthly_trend(session: Session, office_id: uuid.UUID, period: Period,
                  region_prefix: str | None) -> list[MonthPoint]:
    """Problems found and closed in each month of a quarter, half-year or year."""
    found = next(f for f in FIGURES if f.key == "findings_found")
    closed = next(f for f in FIGURES if f.key == "findings_closed")
    points = []
    for month in (period.months() if period.kind in ("quarter", "half", "year") else []):
        as_then = closed_at_as_of(session, office_id, month.end_naive_utc)
        points.append(MonthPoint(
            month, session.scalar(count_query(found, office_id, month, region_prefix)) or 0,
            session.scalar(count_query(closed, office_id, month, region_prefix, closed=as_then)) or 0))
    return points


def build_bulletin(session: Session, office_id: uuid.UUID, period: Period, region_code: str | None = None,
                   now: datetime | None = None, red_black_n: int | None = None) -> Bulletin:
    """Every figure of the bulletin of `period` for the office, or for one of its regions.
    `red_black_n`: how many on each list; None takes the office's own rule (lists.n)."""
    office = session.get(Office, office_id)
    if office is None:
        raise BulletinError("单位不存在 (no such office)")
    area, regions = breakdown_regions(session, office_id, region_code)
    prefix = area.code if area else None
    totals, per_region, categories = count_figures(session, office_id, period, prefix, regions)
    return Bulletin(
        office=office, period=period, region=area,
        generated_at=now or utcnow(),
        totals=totals,
        districts=[AreaCounts(r, per_region[r.code]) for r in regions],
        categories=categories,
        trend=monthly_trend(session, office_id, period, prefix),
        complaints=sources.complaints_by_channel(session, office_id, period, prefix),
        red_black=sources.red_black_lists(session, office_id, period, prefix, n=red_black_n),
        credit_records=sources.credit_records(session, office_id, period, prefix),
        plans=sources.plan_figures(session, office_id, period),
    )


__all__ = ["RATES", "Bulletin", "BulletinError", "build_bulletin"]
