"""小区 Every estate of the user's area (not only those with open findings): company, latest
score, open and overdue counts; searched, filtered, in pinyin order of the name, paged by keyset
on it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from server.domain.dashboard.inspections import percent
from server.domain.dashboard.list_filters import company_id, every_row, search_text, tick, url_args
from server.domain.dashboard.scope import OPEN_STATUSES, overdue_clause, scoped
from server.domain.models import Company, Estate, Finding, Inspection, InspectionStatus, Region, User
from server.domain.problem_ledger import LedgerFilterError, decode_cursor, encode_cursor, search_estates
from server.extensions import db

PAGE_SIZE = 50


@dataclass(frozen=True)
class EstateFilters:
    q: str = ""
    region: str | None = None  # region code: the subtree
    company: uuid.UUID | None = None
    open_only: bool = False
    overdue_only: bool = False
    after: str | None = None

    def to_args(self, **changes) -> dict[str, str]:
        return url_args(self, **changes)


def parse_estate_filters(args: Mapping[str, str]) -> EstateFilters:
    raw = {k: (args.get(k) or "").strip() for k in EstateFilters.__dataclass_fields__}
    values: dict[str, object] = {"q": search_text(raw["q"]), "company": company_id(raw["company"]),
                                 "open_only": tick(raw["open_only"]),
                                 "overdue_only": tick(raw["overdue_only"])}
    if raw["region"]:
        if not raw["region"].isdigit() or len(raw["region"]) > 12:
            raise LedgerFilterError(f"区域代码应为数字：{raw['region'][:40]} (bad region code)")
        values["region"] = raw["region"]
    filters = EstateFilters(after=raw["after"] or None, **values)  # type: ignore[arg-type]
    if filters.after:
        decode_cursor(filters.after, str)
    return filters


@dataclass
class EstateRow:
    estate: Estate
    community: str
    company: str
    open: int
    overdue: int
    score: float | None  # the latest finished inspection's score as a percentage


def _select(user: User, filters: EstateFilters, now) -> sa.Select:
    where = scoped(Estate, user)
    if filters.q:
        where.append(Estate.id.in_(search_estates(filters.q)))
    if filters.region:
        where.append(Estate.region_code.startswith(filters.region, autoescape=True))
    if filters.company:
        where.append(Estate.company_id == filters.company)
    if filters.open_only or filters.overdue_only:
        condition = overdue_clause(now) if filters.overdue_only else Finding.status.in_(OPEN_STATUSES)
        where.append(Estate.id.in_(sa.select(Finding.estate_id).where(
            condition, Finding.deleted_at.is_(None), Finding.office_id == user.office_id)))
    if filters.after:
        key, row_id = decode_cursor(filters.after, str)
        where.append(sa.tuple_(Estate.name_pinyin, Estate.id) > sa.tuple_(key, row_id))
    return (sa.select(Estate, Region.name, Company.name)
            .join(Region, Region.id == Estate.region_id).outerjoin(Company, Company.id == Estate.company_id)
            .where(*where).order_by(Estate.name_pinyin, Estate.id))


def _rows(records, now) -> list[EstateRow]:
    ids = [e.id for e, _, _ in records]
    counts: dict[uuid.UUID, tuple[int, int]] = {}
    scores: dict[uuid.UUID, float | None] = {}
    if ids:
        for estate_id, n, late in db.session.execute(
                sa.select(Finding.estate_id, sa.func.count(),
                          sa.func.coalesce(sa.func.sum(sa.case((overdue_clause(now), 1), else_=0)), 0))
                .where(Finding.estate_id.in_(ids), Finding.status.in_(OPEN_STATUSES),
                       Finding.deleted_at.is_(None)).group_by(Finding.estate_id)):
            counts[estate_id] = (int(n), int(late))
        latest = (sa.select(Inspection, sa.func.row_number().over(
            partition_by=Inspection.estate_id, order_by=(Inspection.finished_at.desc(), Inspection.id.desc()))
            .label("n")).where(Inspection.estate_id.in_(ids), Inspection.status == InspectionStatus.FINISHED,
                               Inspection.deleted_at.is_(None)).subquery())
        newest = aliased(Inspection, latest)
        for visit in db.session.scalars(sa.select(newest).where(latest.c.n == 1)):
            scores[visit.estate_id] = percent(visit)
    return [EstateRow(e, community, company or "", *counts.get(e.id, (0, 0)), scores.get(e.id))
            for e, community, company in records]


def estate_page(user: User, filters: EstateFilters, now,
                size: int = PAGE_SIZE) -> tuple[list[EstateRow], str | None]:
    records = db.session.execute(_select(user, filters, now).limit(size + 1)).all()
    rows = _rows(records[:size], now)
    cursor = encode_cursor(rows[-1].estate.name_pinyin, rows[-1].estate.id) if len(records) > size else None
    return rows, cursor


def iter_estates(user: User, filters: EstateFilters, now, chunk: int = 500) -> Iterator[EstateRow]:
    """Every row of the filtered list, a page at a time (for the export)."""
    return every_row(lambda f: estate_page(user, f, now, size=chunk), filters)
