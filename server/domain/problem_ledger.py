"""问题台账 The problem ledger: every finding of the user's area, filtered, searched and paged
by keyset (a page deep in a million rows costs what the first one does).

Filters come from the URL (so a view can be shared); parse_filters checks each one and
refuses a malformed value with a readable message instead of guessing."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from server.domain.dashboard.scope import OPEN_STATUSES, days_late, overdue_clause, scope_prefix, scoped
from server.domain.models import (
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Company,
    Estate,
    Finding,
    FindingStatus,
    Region,
    RegionLevel,
    Role,
    Severity,
    User,
    inspection_inspector,
)
from server.domain.rectification.deadlines import utc_at
from server.extensions import db

SEVERITY_LABELS = {Severity.MINOR: "一般", Severity.MAJOR: "较重", Severity.SEVERE: "严重"}
PAGE_SIZE = 50
UNCLOSED = "unclosed"  # the status filter for every state but closed (未销号)
Q_MAX = 50
FAR_FUTURE = datetime(9999, 12, 31)
INITIALS = re.compile(r"^[A-Za-z]+$")


class LedgerFilterError(ValueError):
    """A filter in the URL that cannot be read; the message says which, in Chinese first."""


@dataclass(frozen=True)
class Sort:
    key: str
    label: str
    column: sa.ColumnElement
    descending: bool
    parse: type  # how a cursor's key text turns back into a value


SORTS: dict[str, Sort] = {s.key: s for s in (
    Sort("found", "最新发现 newest", Finding.found_at, True, datetime),
    Sort("found_asc", "最早发现 oldest", Finding.found_at, False, datetime),
    # No deadline sorts last: an open finding without a notice has none yet.
    Sort("due", "期限最早 deadline", sa.func.coalesce(Finding.due_at, FAR_FUTURE), False,
         datetime),
    Sort("category", "按类别 category", Finding.category, False, str),
)}


@dataclass(frozen=True)
class LedgerFilters:
    region: str | None = None  # region code: the subtree
    estate: uuid.UUID | None = None
    company: uuid.UUID | None = None
    category: str | None = None
    severity: Severity | None = None
    status: str | None = None  # a FindingStatus value, or UNCLOSED: every state but closed
    overdue: bool = False
    found_from: date | None = None
    found_to: date | None = None
    closed_from: date | None = None
    inspector: uuid.UUID | None = None
    q: str = ""
    sort: str = "found"
    after: str | None = None  # keyset cursor: the last row of the previous page

    def to_args(self, **changes) -> dict[str, str]:
        """The filters as URL arguments (only those set), e.g. for the next page's link."""
        values = replace(self, **changes) if changes else self
        out = {}
        for f in fields(values):
            value = getattr(values, f.name)
            if value in (None, "", False) or (f.name == "sort" and value == "found"):
                continue
            if isinstance(value, date):
                value = value.isoformat()
            out[f.name] = "1" if value is True else str(value)
        return out

    @property
    def is_filtered(self) -> bool:
        return bool(self.to_args(sort="found", after=None))


_LABELS = {"region": "区域", "estate": "小区", "company": "物业企业", "inspector": "检查员",
           "found_from": "发现日期起", "found_to": "发现日期止", "closed_from": "销号日期起"}


def _uuid(name: str, raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise LedgerFilterError(f"筛选条件「{_LABELS[name]}」无法识别：{raw[:40]} (bad {name})") from None


def _date(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise LedgerFilterError(
            f"筛选条件「{_LABELS[name]}」应为日期，如 2026-03-01：{raw[:40]} (bad {name})") from None


def parse_filters(args: Mapping[str, str]) -> LedgerFilters:
    """LedgerFilters from URL arguments; empty ones are ignored, malformed ones refused."""
    raw = {k: (args.get(k) or "").strip() for k in (f.name for f in fields(LedgerFilters))}
    values: dict[str, object] = {}
    for name in ("estate", "company", "inspector"):
        if raw[name]:
            values[name] = _uuid(name, raw[name])
    for name in ("found_from", "found_to", "closed_from"):
        if raw[name]:
            values[name] = _date(name, raw[name])
    if raw["region"]:
        if not raw["region"].isdigit() or len(raw["region"]) > 12:
            raise LedgerFilterError(f"区域代码应为数字：{raw['region'][:40]} (bad region code)")
        values["region"] = raw["region"]
    if raw["severity"]:
        try:
            values["severity"] = Severity(raw["severity"])
        except ValueError:
            raise LedgerFilterError(f"严重程度只能是 minor/major/severe：{raw['severity'][:40]}") from None
    if raw["status"]:
        if raw["status"] != UNCLOSED and raw["status"] not in {s.value for s in FindingStatus}:
            raise LedgerFilterError(f"状态无法识别：{raw['status'][:40]} (bad status)")
        values["status"] = raw["status"]
    if raw["overdue"]:
        if raw["overdue"] not in ("1", "0", "true", "false"):
            raise LedgerFilterError("「逾期」只能是 1 或 0 (overdue must be 1 or 0)")
        values["overdue"] = raw["overdue"] in ("1", "true")
    if raw["sort"]:
        if raw["sort"] not in SORTS:
            raise LedgerFilterError(f"排序方式无法识别：{raw['sort'][:40]} (bad sort)")
        values["sort"] = raw["sort"]
    if len(raw["q"]) > Q_MAX:
        raise LedgerFilterError(f"搜索词不能超过 {Q_MAX} 个字 (search text too long)")
    if raw["category"]:
        values["category"] = raw["category"][:50]
    filters = LedgerFilters(q=raw["q"], after=raw["after"] or None, **values)  # type: ignore[arg-type]
    if filters.after:
        decode_cursor(filters.after, SORTS[filters.sort].parse)  # refuse a bad cursor now, not mid-query
    return filters


def encode_cursor(value: object, row_id: uuid.UUID) -> str:
    text = f"{value.isoformat() if isinstance(value, datetime) else value}|{row_id.hex}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parse: type) -> tuple[object, uuid.UUID]:
    """(key value, row id) of a cursor made by encode_cursor; `parse` is the key's type."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, _, row_id = text.rpartition("|")
        value = datetime.fromisoformat(key) if parse is datetime else key
        return value, uuid.UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise LedgerFilterError("翻页位置无法识别，请从第一页重新开始 (bad page cursor)") from None


def search_estates(q: str) -> sa.Select:
    """Ids of estates whose name contains `q`, or, for Latin letters only, whose name's pinyin
    initials contain them (ygh → 阳光花园)."""
    if INITIALS.match(q):
        return sa.select(Estate.id).where(Estate.name_initials.contains(q.lower(), autoescape=True))
    return sa.select(Estate.id).where(Estate.name.contains(q, autoescape=True))


def search_clause(q: str) -> sa.ColumnElement[bool]:
    """Chinese text: a substring of the estate's name, the location or the description.
    Latin letters only: the pinyin initials of the estate's name."""
    if INITIALS.match(q):
        return Finding.estate_id.in_(search_estates(q))
    return sa.or_(Finding.estate_id.in_(search_estates(q)), Finding.location.contains(q, autoescape=True),
                  Finding.description.contains(q, autoescape=True))


def filter_clauses(user: User, filters: LedgerFilters, now: datetime) -> list[sa.ColumnElement[bool]]:
    where = scoped(Finding, user)
    if filters.region:
        where.append(Finding.region_code.startswith(filters.region, autoescape=True))
    if filters.estate:
        where.append(Finding.estate_id == filters.estate)
    if filters.company:
        where.append(Finding.estate_id.in_(sa.select(Estate.id).where(Estate.company_id == filters.company)))
    if filters.category:
        where.append(Finding.category == filters.category)
    if filters.severity:
        where.append(Finding.severity == filters.severity)
    if filters.status == UNCLOSED:
        where.append(Finding.status.in_(OPEN_STATUSES))
    elif filters.status:
        where.append(Finding.status == FindingStatus(filters.status))
    if filters.overdue:
        where.append(overdue_clause(now))
    if filters.found_from:
        where.append(Finding.found_at >= utc_at(filters.found_from, time(0)))
    if filters.found_to:
        where.append(Finding.found_at < utc_at(filters.found_to + timedelta(days=1), time(0)))
    if filters.closed_from:
        where.append(Finding.closed_at >= utc_at(filters.closed_from, time(0)))
    if filters.inspector:
        visits = sa.select(inspection_inspector.c.inspection_id).where(
            inspection_inspector.c.user_id == filters.inspector)
        where.append(sa.or_(Finding.reported_by_id == filters.inspector, Finding.inspection_id.in_(visits)))
    if filters.q:
        where.append(search_clause(filters.q))
    return where


@dataclass
class LedgerRow:
    finding: Finding
    estate_name: str
    company_name: str
    reporter: str
    days_late: int


@dataclass
class LedgerPage:
    rows: list[LedgerRow]
    next_cursor: str | None
    filters: LedgerFilters
    sort: Sort = field(repr=False, default=SORTS["found"])


def ledger_select(user: User, filters: LedgerFilters, now: datetime) -> sa.Select:
    """The ledger's rows in sort order (from the cursor on, if any), not yet limited."""
    sort = SORTS[filters.sort]
    where = filter_clauses(user, filters, now)
    if filters.after:
        value, row_id = decode_cursor(filters.after, sort.parse)
        key = sa.tuple_(sort.column, Finding.id)
        where.append(key < sa.tuple_(value, row_id) if sort.descending else key > sa.tuple_(value, row_id))
    order = (sort.column.desc(), Finding.id.desc()) if sort.descending else (sort.column, Finding.id)
    return (sa.select(Finding, Estate.name, Company.name, User.display_name)
            .join(Estate, Estate.id == Finding.estate_id)
            .outerjoin(Company, Company.id == Estate.company_id)
            .outerjoin(User, User.id == Finding.reported_by_id)
            .where(*where).order_by(*order))


def _row(record, now: datetime) -> LedgerRow:
    finding, estate_name, company_name, reporter = record
    return LedgerRow(finding, estate_name, company_name or "", reporter or "",
                     days_late(finding.due_at, finding.status, now))


def ledger_page(user: User, filters: LedgerFilters, now: datetime, size: int = PAGE_SIZE) -> LedgerPage:
    """One page of the ledger and the cursor of the next (None on the last page)."""
    sort = SORTS[filters.sort]
    records = db.session.execute(ledger_select(user, filters, now).limit(size + 1)).all()
    rows = [_row(r, now) for r in records[:size]]
    next_cursor = None
    if len(records) > size:
        last = rows[-1].finding
        value = {"found": last.found_at, "found_asc": last.found_at, "category": last.category,
                 "due": last.due_at or FAR_FUTURE}[sort.key]
        next_cursor = encode_cursor(value, last.id)
    return LedgerPage(rows, next_cursor, filters, sort)


def iter_ledger_records(user: User, filters: LedgerFilters, now: datetime,
                        batch: int = 5000) -> Iterator[sa.Row]:
    """Every row of the filtered ledger as plain columns, in the page's order,
    from one streaming query: the joins are done in SQL, rows come through a server-side
    cursor on PostgreSQL (fetched `batch` at a time) and no ORM object is made per row, so
    memory stays flat and a hundred thousand rows cost one query, not fifty."""
    sort = SORTS[filters.sort]
    where = filter_clauses(user, replace(filters, after=None), now)
    order = (sort.column.desc(), Finding.id.desc()) if sort.descending else (sort.column, Finding.id)
    query = (sa.select(Finding.id, Estate.name.label("estate_name"), Company.name.label("company_name"),
                       Finding.category, Finding.location, Finding.description, Finding.severity,
                       Finding.status, Finding.found_at, Finding.due_at, Finding.closed_at,
                       User.display_name.label("reporter"))
             .join(Estate, Estate.id == Finding.estate_id)
             .outerjoin(Company, Company.id == Estate.company_id)
             .outerjoin(User, User.id == Finding.reported_by_id)
             .where(*where).order_by(*order)
             .execution_options(yield_per=batch))
    yield from db.session.execute(query)


def count_ledger(user: User, filters: LedgerFilters, now: datetime) -> int:
    where = filter_clauses(user, replace(filters, after=None), now)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(Finding).where(*where)) or 0)


@dataclass
class LedgerChoices:
    """What the filter form offers: small lists only (estates are found by search)."""

    regions: list  # [Region] above community level within the user's area
    companies: list  # [Company]
    categories: list[str]
    inspectors: list  # [User]


def ledger_choices(user: User) -> LedgerChoices:
    prefix = scope_prefix(user)
    regions = sa.select(Region).where(Region.office_id == user.office_id,
                                      Region.level != RegionLevel.COMMUNITY)
    people = sa.select(User).where(User.office_id == user.office_id, User.active.is_(True),
                                   User.role.in_((Role.INSPECTOR, Role.SUPERVISOR)))
    if prefix:
        regions = regions.where(Region.code.startswith(prefix, autoescape=True))
    categories = (sa.select(ChecklistItem.category).distinct()
                  .join(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
                  .join(ChecklistTemplate, ChecklistTemplate.id == ChecklistSection.template_id)
                  .where(ChecklistTemplate.office_id == user.office_id).order_by(ChecklistItem.category))
    return LedgerChoices(
        regions=list(db.session.scalars(regions.order_by(Region.code).limit(300))),
        companies=list(db.session.scalars(sa.select(Company).where(Company.office_id == user.office_id)
                                          .order_by(Company.name_pinyin).limit(1000))),
        categories=list(db.session.scalars(categories)),
        inspectors=list(db.session.scalars(people.order_by(User.display_name).limit(500))),
    )
