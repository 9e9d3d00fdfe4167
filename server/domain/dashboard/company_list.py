"""物业企业 The office's companies and responsible units: searched by name or credit code,
filtered by kind and by having overdue findings in the user's area, in pinyin order of the
name (paged by keyset on it), each with its estates and open / overdue counts (counted within
the user's area)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from server.domain.dashboard.list_filters import every_row, search_text, tick, url_args
from server.domain.dashboard.scope import OPEN_STATUSES, overdue_clause, scoped
from server.domain.models import Company, Estate, Finding, UnitKind, User
from server.domain.problem_ledger import LedgerFilterError, decode_cursor, encode_cursor
from server.extensions import db

PAGE_SIZE = 50


@dataclass(frozen=True)
class CompanyFilters:
    q: str = ""
    kind: UnitKind | None = None
    overdue_only: bool = False
    after: str | None = None

    def to_args(self, **changes) -> dict[str, str]:
        return url_args(self, **changes)


def parse_company_filters(args: Mapping[str, str]) -> CompanyFilters:
    raw = {k: (args.get(k) or "").strip() for k in CompanyFilters.__dataclass_fields__}
    kind = None
    if raw["kind"]:
        try:
            kind = UnitKind(raw["kind"])
        except ValueError:
            raise LedgerFilterError(f"单位类型无法识别：{raw['kind'][:40]} (bad kind)") from None
    filters = CompanyFilters(q=search_text(raw["q"]), kind=kind, overdue_only=tick(raw["overdue_only"]),
                             after=raw["after"] or None)
    if filters.after:
        decode_cursor(filters.after, str)
    return filters


@dataclass
class CompanyRow:
    company: Company
    estates: int
    open: int
    overdue: int


def company_page(user: User, filters: CompanyFilters, now: datetime,
                 size: int = PAGE_SIZE) -> tuple[list[CompanyRow], str | None]:
    where = [Company.office_id == user.office_id, Company.deleted_at.is_(None)]
    if filters.q:
        where.append(sa.or_(Company.name.contains(filters.q, autoescape=True),
                            Company.credit_code.startswith(filters.q.upper(), autoescape=True)))
    if filters.kind:
        where.append(Company.kind == filters.kind)
    if filters.overdue_only:
        late_estates = sa.select(Finding.estate_id).where(*scoped(Finding, user), overdue_clause(now))
        where.append(Company.id.in_(sa.select(Estate.company_id).where(Estate.id.in_(late_estates))))
    if filters.after:
        key, row_id = decode_cursor(filters.after, str)
        where.append(sa.tuple_(Company.name_pinyin, Company.id) > sa.tuple_(key, row_id))
    companies = list(db.session.scalars(sa.select(Company).where(*where)
                                        .order_by(Company.name_pinyin, Company.id).limit(size + 1)))
    cursor = None
    if len(companies) > size:
        cursor = encode_cursor(companies[size - 1].name_pinyin, companies[size - 1].id)
    companies = companies[:size]
    ids = [c.id for c in companies]
    counts: dict[uuid.UUID, list[int]] = {i: [0, 0, 0] for i in ids}
    if ids:
        for company_id, n in db.session.execute(
                sa.select(Estate.company_id, sa.func.count())
                .where(*scoped(Estate, user), Estate.company_id.in_(ids)).group_by(Estate.company_id)):
            counts[company_id][0] = int(n)
        late = sa.func.coalesce(sa.func.sum(sa.case((overdue_clause(now), 1), else_=0)), 0)
        for company_id, n, n_late in db.session.execute(
                sa.select(Estate.company_id, sa.func.count(), late)
                .join(Estate, Estate.id == Finding.estate_id)
                .where(*scoped(Finding, user), Estate.company_id.in_(ids), Finding.status.in_(OPEN_STATUSES))
                .group_by(Estate.company_id)):
            counts[company_id][1:] = [int(n), int(n_late)]
    return [CompanyRow(c, *counts[c.id]) for c in companies], cursor


def iter_companies(user: User, filters: CompanyFilters, now: datetime,
                   chunk: int = 500) -> Iterator[CompanyRow]:
    return every_row(lambda f: company_page(user, f, now, size=chunk), filters)
