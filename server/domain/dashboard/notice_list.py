"""整改通知书 Every notice of the user's area: filtered by status, company and lateness,
searched by estate name (or its pinyin initials) or by number, paged by keyset on the issue
time, each row marked with how late its findings are."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from server.domain.dashboard.list_filters import company_id, every_row, search_text, tick, url_args
from server.domain.dashboard.scope import OWES_FIX, days_late, overdue_clause, scoped
from server.domain.models import Company, Estate, Finding, Notice, NoticeStatus, User
from server.domain.problem_ledger import LedgerFilterError, decode_cursor, encode_cursor, search_estates
from server.extensions import db

PAGE_SIZE = 50
NUMBER = re.compile(r"^(?:(\d{4})\D*)?0*(\d{1,4})$")  # 2026-12, 〔2026〕第0012号 read as 2026-12, or 12
STATUS_WORDS = {NoticeStatus.ISSUED: "已下发 issued", NoticeStatus.CLOSED: "已办结 closed",
                NoticeStatus.CANCELLED: "已撤销 cancelled"}


@dataclass(frozen=True)
class NoticeFilters:
    q: str = ""
    status: NoticeStatus | None = None
    company: uuid.UUID | None = None
    overdue_only: bool = False
    after: str | None = None

    def to_args(self, **changes) -> dict[str, str]:
        return url_args(self, **changes)


def parse_notice_filters(args: Mapping[str, str]) -> NoticeFilters:
    """NoticeFilters from URL arguments; a malformed one is refused with a readable message."""
    raw = {k: (args.get(k) or "").strip() for k in NoticeFilters.__dataclass_fields__}
    values: dict[str, object] = {"q": search_text(raw["q"]), "company": company_id(raw["company"]),
                                 "overdue_only": tick(raw["overdue_only"])}
    if raw["status"]:
        try:
            values["status"] = NoticeStatus(raw["status"])
        except ValueError:
            raise LedgerFilterError(f"状态无法识别：{raw['status'][:40]} (bad status)") from None
    filters = NoticeFilters(after=raw["after"] or None, **values)  # type: ignore[arg-type]
    if filters.after:
        decode_cursor(filters.after, datetime)
    return filters


@dataclass
class NoticeRow:
    notice: Notice
    estate: str
    company: str
    findings: int
    open: int  # listed findings still owing a fix
    days_late: int  # of the latest-running overdue finding; 0 when none is late


def _late_notices(now: datetime) -> sa.Select:
    return sa.select(Finding.notice_id).where(Finding.notice_id.is_not(None), overdue_clause(now))


def _select(user: User, filters: NoticeFilters, now: datetime) -> sa.Select:
    where = scoped(Notice, user)
    if filters.q:
        number = NUMBER.match(filters.q.replace("〔", "").replace("〕", "-").replace("第", "").rstrip("号"))
        search = Notice.estate_id.in_(search_estates(filters.q))
        if number:
            year, n = number.groups()
            by_number = Notice.number == int(n)
            search = sa.or_(search, sa.and_(by_number, Notice.year == int(year)) if year else by_number)
        where.append(search)
    if filters.status:
        where.append(Notice.status == filters.status)
    if filters.company:
        where.append(Notice.company_id == filters.company)
    if filters.overdue_only:
        where.append(Notice.id.in_(_late_notices(now)))
    if filters.after:
        issued, row_id = decode_cursor(filters.after, datetime)
        where.append(sa.tuple_(Notice.issued_at, Notice.id) < sa.tuple_(issued, row_id))
    return (sa.select(Notice, Estate.name, Company.name)
            .join(Estate, Estate.id == Notice.estate_id).outerjoin(Company, Company.id == Notice.company_id)
            .where(*where).order_by(Notice.issued_at.desc(), Notice.id.desc()))


def _rows(records, now: datetime) -> list[NoticeRow]:
    ids = [n.id for n, _, _ in records]
    counts: dict[uuid.UUID, list[int]] = {i: [0, 0, 0] for i in ids}
    if ids:
        # One query for the page: each listed finding's state and deadline.
        for notice_id, status, due_at in db.session.execute(
                sa.select(Finding.notice_id, Finding.status, Finding.due_at)
                .where(Finding.notice_id.in_(ids), Finding.deleted_at.is_(None))):
            entry = counts[notice_id]
            entry[0] += 1
            entry[1] += status in OWES_FIX
            entry[2] = max(entry[2], days_late(due_at, status, now))
    return [NoticeRow(n, estate, company or "", *counts[n.id]) for n, estate, company in records]


def notice_page(user: User, filters: NoticeFilters, now: datetime,
                size: int = PAGE_SIZE) -> tuple[list[NoticeRow], str | None]:
    records = db.session.execute(_select(user, filters, now).limit(size + 1)).all()
    rows = _rows(records[:size], now)
    last = rows[-1].notice if rows else None
    cursor = encode_cursor(last.issued_at, last.id) if last and len(records) > size else None
    return rows, cursor


def iter_notices(user: User, filters: NoticeFilters, now: datetime, chunk: int = 500) -> Iterator[NoticeRow]:
    """Every row of the filtered list, a page at a time (for the export)."""
    return every_row(lambda f: notice_page(user, f, now, size=chunk), filters)
