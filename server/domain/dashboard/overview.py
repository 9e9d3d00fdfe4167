"""总览 The overview's figures for one user's area, each from one aggregate query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from server.domain.dashboard.scope import (
    OPEN_STATUSES,
    OWES_FIX,
    days_late,
    overdue_clause,
    scope_prefix,
    scoped,
)
from server.domain.models import (
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    Region,
    Revisit,
    RevisitStatus,
    User,
)
from server.domain.rectification.deadlines import local_date, utc_at
from server.extensions import db

S = FindingStatus
WEEKS = 12


@dataclass
class WeekPoint:
    start: date  # the local Monday
    found: int
    closed: int


@dataclass
class AreaRow:
    region: Region
    open: int
    overdue: int
    found_this_year: int
    closed_this_year: int

    @property
    def rectification_rate(self) -> float | None:
        return rate(self.closed_this_year, self.found_this_year)


@dataclass
class OldOverdue:
    finding: Finding
    estate_name: str
    days_late: int


@dataclass
class Overview:
    now: datetime
    month_start: date
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    closed_this_month: int = 0
    found_this_year: int = 0
    closed_this_year: int = 0
    closed_on_time_this_year: int = 0
    inspections_this_month: int = 0
    inspections_this_year: int = 0
    revisits_due_this_week: int = 0
    revisits_late: int = 0
    oldest_overdue: list[OldOverdue] = field(default_factory=list)
    weeks: list[WeekPoint] = field(default_factory=list)
    categories: list[tuple[str, int, int]] = field(default_factory=list)  # (category, open, overdue)
    areas: list[AreaRow] = field(default_factory=list)

    @property
    def rectification_rate(self) -> float | None:
        """整改率: of this year's findings, the share closed out (销号)."""
        return rate(self.closed_this_year, self.found_this_year)

    @property
    def on_time_rate(self) -> float | None:
        """按期整改率: of this year's closed findings, the share closed by their deadline."""
        return rate(self.closed_on_time_this_year, self.closed_this_year)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    # SUM(CASE …) rather than FILTER: the same SQL on SQLite and PostgreSQL.
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def local_month_start(now: datetime) -> datetime:
    today = local_date(now)
    return utc_at(today.replace(day=1), time(0))


def local_year_start(now: datetime) -> datetime:
    return utc_at(local_date(now).replace(month=1, day=1), time(0))


def local_week_start(now: datetime) -> date:
    today = local_date(now)
    return today - timedelta(days=today.weekday())


def build_overview(user: User, now: datetime, oldest: int = 10) -> Overview:
    """Every figure of the overview for the user's area at `now` (naive UTC).

    The open findings are read once, grouped by area and category, and the totals, the
    category chart and the areas table are summed from those groups; this year's findings
    likewise. Two scans of covering indexes instead of one query per figure."""
    view = Overview(now=now, month_start=local_date(now).replace(day=1))
    where = scoped(Finding, user)
    regions = area_regions(user)
    length = len(regions[0].code) if regions else 0
    areas = {r.code: AreaRow(r, 0, 0, 0, 0) for r in regions}
    categories: dict[str, list[int]] = {}
    late = overdue_clause(now)
    head = sa.func.substr(Finding.region_code, 1, length)
    for code, category, n, n_late, n_escalated in db.session.execute(
            sa.select(head, Finding.category, sa.func.count(), _count_if(late),
                      _count_if(Finding.status == S.ESCALATED))
            .where(*where, Finding.status.in_(OPEN_STATUSES)).group_by(head, Finding.category)):
        view.open += n
        view.overdue += n_late
        view.escalated += n_escalated
        pair = categories.setdefault(category, [0, 0])
        pair[0], pair[1] = pair[0] + n, pair[1] + n_late
        if code in areas:
            areas[code].open += n
            areas[code].overdue += n_late
    # Grouped by the raw columns (a few thousand groups), not summed through CASEs row by row:
    # this year may be a hundred thousand findings.
    in_time = sa.or_(Finding.due_at.is_(None), Finding.closed_at <= Finding.due_at)
    for region_code, status, was_in_time, n in db.session.execute(
            sa.select(Finding.region_code, Finding.status, in_time, sa.func.count())
            .where(*where, Finding.found_at >= local_year_start(now))
            .group_by(Finding.region_code, Finding.status, in_time)):
        is_closed = status == S.CLOSED
        view.found_this_year += n
        view.closed_this_year += n if is_closed else 0
        view.closed_on_time_this_year += n if is_closed and was_in_time else 0
        area = areas.get(region_code[:length])
        if area is not None:
            area.found_this_year += n
            area.closed_this_year += n if is_closed else 0
    view.areas = list(areas.values())
    ranked = sorted(((c, n, o) for c, (n, o) in categories.items()), key=lambda t: (-t[1], t[0]))
    view.categories = ranked[:12]
    view.closed_this_month = db.session.scalar(
        sa.select(sa.func.count()).where(*where, Finding.closed_at >= local_month_start(now))) or 0
    _inspections(view, user, now)
    _revisits(view, user, now)
    view.oldest_overdue = oldest_overdue(where, now, oldest)
    view.weeks = weekly_trend(user, now)
    return view


def oldest_overdue(where: list[sa.ColumnElement[bool]], now: datetime, limit: int) -> list[OldOverdue]:
    """The findings longest past their deadline. One ordered walk of the (status, due_at) index
    per state that owes a fix, each stopping after `limit`, then the best of those: a single
    query over all states would fetch and sort every overdue finding of the city."""
    per_state = [sa.select(Finding.id, Finding.due_at)
                 .where(*where, Finding.status == state, Finding.due_at < now)
                 .order_by(Finding.due_at, Finding.id).limit(limit) for state in OWES_FIX]
    union = sa.union_all(*[q.subquery().select() for q in per_state]).subquery()
    ids = list(db.session.scalars(sa.select(union.c.id).order_by(union.c.due_at, union.c.id).limit(limit)))
    if not ids:
        return []
    rows = db.session.execute(sa.select(Finding, Estate.name).join(Estate, Estate.id == Finding.estate_id)
                              .where(Finding.id.in_(ids)).order_by(Finding.due_at, Finding.id))
    return [OldOverdue(f, name, days_late(f.due_at, f.status, now)) for f, name in rows]


def _inspections(view: Overview, user: User, now: datetime) -> None:
    done = Inspection.status == InspectionStatus.FINISHED
    row = db.session.execute(
        sa.select(_count_if(Inspection.finished_at >= local_month_start(now)), sa.func.count())
        .where(*scoped(Inspection, user), done, Inspection.finished_at >= local_year_start(now))).one()
    view.inspections_this_month, view.inspections_this_year = int(row[0]), int(row[1])


def _revisits(view: Overview, user: User, now: datetime) -> None:
    week = local_week_start(now)
    start, end = utc_at(week, time(0)), utc_at(week + timedelta(days=7), time(0))
    row = db.session.execute(
        sa.select(_count_if(sa.and_(Revisit.due_at >= start, Revisit.due_at < end)),
                  _count_if(Revisit.due_at < now))
        .join(Finding, Finding.id == Revisit.finding_id)
        .where(*scoped(Finding, user), Revisit.status == RevisitStatus.PENDING)).one()
    view.revisits_due_this_week, view.revisits_late = int(row[0]), int(row[1])


def weekly_trend(user: User, now: datetime, weeks: int = WEEKS) -> list[WeekPoint]:
    """Findings found and closed in each of the last `weeks` local weeks (this one last)."""
    this_monday = local_week_start(now)
    mondays = [this_monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    bounds = [utc_at(m, time(0)) for m in mondays] + [utc_at(this_monday + timedelta(days=7), time(0))]
    where = scoped(Finding, user)

    def per_week(column) -> list[int]:
        counts = [0] * weeks
        bucket = _weeks_since(column, bounds[0])
        rows = db.session.execute(sa.select(bucket, sa.func.count())
                                  .where(*where, column >= bounds[0], column < bounds[-1]).group_by(bucket))
        for k, n in rows:
            if k is not None and 0 <= int(k) < weeks:
                counts[int(k)] += int(n)
        return counts

    found, closed = per_week(Finding.found_at), per_week(Finding.closed_at)
    return [WeekPoint(m, f, c) for m, f, c in zip(mondays, found, closed, strict=True)]


def _weeks_since(column, start: datetime) -> sa.ColumnElement:
    """Whole weeks from `start` to the column's moment: one cheap expression per row to group
    by (twelve CASEs a row, or numeric epoch arithmetic, cost several times more over a
    city's worth of rows). Whole days in China's time, then weeks."""
    if db.session.get_bind().dialect.name == "postgresql":
        local_day = sa.cast(column + sa.text("interval '8 hours'"), sa.Date)
        return (local_day - sa.cast(sa.literal(start + timedelta(hours=8)), sa.Date)) / 7
    # SQLite keeps moments as text, julianday reads them; the rows are after `start`, so
    # truncating is flooring.
    days = sa.func.julianday(column) - sa.func.julianday(sa.literal(start, sa.DateTime))
    return sa.cast(days / 7, sa.Integer)


def area_regions(user: User) -> list[Region]:
    """The regions one level below the user's own (districts for the city, streets for a
    district …); a community user sees the community itself."""
    prefix = scope_prefix(user)
    if prefix is None:
        parent = db.session.scalar(sa.select(Region).where(
            Region.office_id == user.office_id, Region.parent_id.is_(None)).order_by(Region.code))
    else:
        parent = db.session.scalar(sa.select(Region).where(Region.code == prefix))
    if parent is None:
        return []
    children = list(db.session.scalars(sa.select(Region).where(Region.parent_id == parent.id)
                                       .order_by(Region.code)))
    return children or [parent]
