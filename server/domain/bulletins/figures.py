"""Every figure of a bulletin, defined once: its words (for the page, the PDF, the XLSX and
docs/bulletins.md) and its query. The count on the page and the rows behind it come from the
same clauses, so they cannot disagree.

A period is [start, end) in China's local time (server.domain.periods). A figure counts the rows
whose moment falls in the period, as the rows stand when the bulletin is made; deleted rows
(tombstones) never count. "By the end of the period" means before its end, so a finished
period's bulletin gives the same figures next month. A finding's close-out is taken as it stood
at the period's end (`closed`, from server.domain.finding_history), so one reopened later still
counts as closed in the period it was closed in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from server.domain.models import (
    Complaint,
    Escalation,
    EscalationKind,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionStatus,
    Notice,
    Revisit,
    RevisitResult,
    RevisitStatus,
)
from server.domain.periods import Period

Clauses = list[sa.ColumnElement[bool]]
# Each figure's clauses take the period and the findings' close-out time as of its end.
ClauseFn = Callable[[Period, sa.ColumnElement], Clauses]


@dataclass(frozen=True)
class Source:
    """Where one kind of row lives: the table counted, how it reaches an office, a region code
    and (for findings and what hangs on them) a category."""

    key: str
    label_zh: str
    table: type
    counted: sa.ColumnElement  # counted DISTINCT: an estate inspected twice counts once
    office: sa.ColumnElement
    region: sa.ColumnElement
    category: sa.ColumnElement | None = None
    joins: tuple[tuple[type, sa.ColumnElement[bool]], ...] = ()
    alive: Callable[[], Clauses] = field(default=lambda: [])

    def select(self, columns: list, office_id: uuid.UUID, region_prefix: str | None) -> sa.Select:
        query = sa.select(*columns).select_from(self.table)
        for target, on in self.joins:
            query = query.join(target, on)
        query = query.where(self.office == office_id, *self.alive())
        if region_prefix:
            query = query.where(self.region.startswith(region_prefix, autoescape=True))
        return query


_ON_FINDING_REVISIT = ((Finding, Finding.id == Revisit.finding_id),)
_ON_FINDING_ESCALATION = ((Finding, Finding.id == Escalation.finding_id),)

SOURCES: dict[str, Source] = {s.key: s for s in (
    Source("finding", "问题", Finding, Finding.id, Finding.office_id, Finding.region_code, Finding.category,
           alive=lambda: [Finding.deleted_at.is_(None)]),
    Source("inspection", "检查", Inspection, Inspection.id, Inspection.office_id, Inspection.region_code,
           alive=lambda: [Inspection.deleted_at.is_(None)]),
    Source("estate", "小区", Inspection, Inspection.estate_id, Inspection.office_id, Inspection.region_code,
           alive=lambda: [Inspection.deleted_at.is_(None)]),
    Source("notice", "整改通知书", Notice, Notice.id, Notice.office_id, Notice.region_code,
           alive=lambda: [Notice.deleted_at.is_(None)]),
    Source("revisit", "回头看", Revisit, Revisit.id, Finding.office_id, Finding.region_code, Finding.category,
           joins=_ON_FINDING_REVISIT,
           alive=lambda: [Revisit.deleted_at.is_(None), Finding.deleted_at.is_(None)]),
    Source("escalation", "督办/约谈/处罚", Escalation, Escalation.id, Finding.office_id, Finding.region_code,
           Finding.category, joins=_ON_FINDING_ESCALATION, alive=lambda: [Finding.deleted_at.is_(None)]),
    Source("complaint", "投诉", Complaint, Complaint.id, Complaint.office_id, Complaint.region_code),
)}


def within(column: sa.ColumnElement, period: Period) -> sa.ColumnElement[bool]:
    """The stored (naive UTC) moment falls in the period's local days."""
    return sa.and_(column >= period.start_naive_utc, column < period.end_naive_utc)


def _finished_in(period: Period, _closed: sa.ColumnElement) -> Clauses:
    return [Inspection.status == InspectionStatus.FINISHED, within(Inspection.finished_at, period)]


def _notice_issued_in(period: Period, _closed: sa.ColumnElement) -> Clauses:
    # A notice cancelled after the period still counts for it: it was in force then.
    return [within(Notice.issued_at, period),
            sa.or_(Notice.cancelled_at.is_(None), Notice.cancelled_at >= period.end_naive_utc)]


def _found_in(period: Period, _closed: sa.ColumnElement) -> Clauses:
    return [within(Finding.found_at, period)]


def _found_and_closed_in(period: Period, closed: sa.ColumnElement) -> Clauses:
    return [within(Finding.found_at, period), closed < period.end_naive_utc]


# Always true, but it lets PostgreSQL walk ix_finding_status_due_at (status, due_at) once per
# status instead of scanning every finding: there is no index on due_at alone.
_ANY_STATUS = Finding.status.in_(list(FindingStatus))


def _due_in(period: Period, _closed: sa.ColumnElement) -> Clauses:
    return [_ANY_STATUS, within(Finding.due_at, period)]


def _due_and_closed_on_time(period: Period, closed: sa.ColumnElement) -> Clauses:
    return [_ANY_STATUS, within(Finding.due_at, period), closed <= Finding.due_at]


def _closed_in(period: Period, closed: sa.ColumnElement) -> Clauses:
    return [within(closed, period)]


def _revisits_done(result: RevisitResult | None) -> ClauseFn:
    def clauses(period: Period, _closed: sa.ColumnElement) -> Clauses:
        where = [Revisit.status == RevisitStatus.DONE, within(Revisit.done_at, period)]
        return where + ([Revisit.result == result] if result else [])
    return clauses


def _escalated(kind: EscalationKind) -> ClauseFn:
    return lambda period, _closed: [Escalation.kind == kind, within(Escalation.decided_at, period)]


@dataclass(frozen=True)
class Figure:
    key: str
    label_zh: str
    label_en: str
    definition: str  # zh_CN, as written in docs/bulletins.md
    source: str  # a SOURCES key
    clauses: ClauseFn
    by_category: bool = False  # also counted per problem category

    @property
    def rows_source(self) -> Source:
        return SOURCES[self.source]


FIGURES: tuple[Figure, ...] = (
    Figure("estates_inspected", "检查小区数", "estates inspected",
           "本期内完成检查（检查状态为已完成，完成时间在本期）的不同小区数；同一小区检查多次只计一次。",
           "estate", _finished_in),
    Figure("inspections", "检查次数", "inspections",
           "本期内完成的检查次数（状态为已完成，完成时间在本期），含日常、专项、双随机、投诉核查和回头看检查。",
           "inspection", _finished_in),
    Figure("notices_issued", "下发整改通知书", "notices issued",
           "签发日期在本期的整改通知书份数；期末前已撤销的不计，期末后才撤销的仍计入本期。",
           "notice", _notice_issued_in),
    Figure("findings_found", "发现问题", "problems found",
           "发现时间在本期的问题数。", "finding", _found_in, by_category=True),
    Figure("findings_rectified", "已整改销号", "problems rectified",
           "本期发现的问题中，期末前已销号的问题数。", "finding", _found_and_closed_in, by_category=True),
    Figure("findings_due", "本期到期问题", "problems due",
           "整改期限落在本期的问题数（不论何时发现）。", "finding", _due_in, by_category=True),
    Figure("findings_on_time", "按期整改", "rectified on time",
           "本期到期的问题中，在整改期限之前（含期限当时）销号的问题数。",
           "finding", _due_and_closed_on_time, by_category=True),
    Figure("findings_closed", "本期销号", "closed in period",
           "销号时间在本期的问题数（不论何时发现）。", "finding", _closed_in, by_category=True),
    Figure("revisits_done", "回头看完成", "revisits done",
           "完成时间在本期的回头看次数（已取消的不计）。", "revisit", _revisits_done(None)),
    Figure("revisits_passed", "回头看通过", "revisits passed",
           "本期完成的回头看中，核实为已整改的次数。", "revisit", _revisits_done(RevisitResult.FIXED)),
    Figure("revisits_failed", "回头看未通过", "revisits failed",
           "本期完成的回头看中，核实为未整改的次数。", "revisit", _revisits_done(RevisitResult.NOT_FIXED)),
    Figure("urges", "督办", "urged",
           "决定时间在本期的督办次数。", "escalation", _escalated(EscalationKind.URGE)),
    Figure("interviews", "约谈", "interviews",
           "决定时间在本期的约谈次数。", "escalation", _escalated(EscalationKind.INTERVIEW)),
    Figure("penalties", "行政处罚", "penalties",
           "决定时间在本期的行政处罚次数。", "escalation", _escalated(EscalationKind.PENALTY)),
)
# The complaint figures are counted by complaints.stats; the rows behind them (for the links)
# come from its very clauses (`measure_clauses`), so the two cannot disagree.
def _complaints(measure: str) -> ClauseFn:
    def clauses(period: Period, _closed: sa.ColumnElement) -> Clauses:
        # Imported when used: a tree without the complaints module still makes bulletins.
        from server.domain.complaints.stats import measure_clauses

        return measure_clauses(measure, period)
    return clauses


COMPLAINT_FIGURES: tuple[Figure, ...] = (
    Figure("complaints_received", "投诉受理", "complaints received",
           "受理时间在本期的投诉件数。", "complaint", _complaints("received")),
    Figure("complaints_resolved", "投诉办结", "complaints resolved",
           "本期受理的投诉中，已办结的件数。", "complaint", _complaints("resolved")),
    Figure("complaints_on_time", "投诉按期办结", "complaints replied on time",
           "本期受理的投诉中，在答复期限内答复的件数。", "complaint", _complaints("on_time")),
    Figure("complaints_satisfied", "投诉满意", "complaints satisfied",
           "本期受理的投诉中，已办结且评价为满意或基本满意的件数。", "complaint", _complaints("satisfied")),
)
FIGURE_BY_KEY = {f.key: f for f in FIGURES + COMPLAINT_FIGURES}
CATEGORY_FIGURES = tuple(f for f in FIGURES if f.by_category)


@dataclass(frozen=True)
class Rate:
    key: str
    label_zh: str
    label_en: str
    definition: str
    part: str  # figure keys
    whole: str


RATES: tuple[Rate, ...] = (
    Rate("rectification_rate", "整改率", "rectification rate",
         "已整改销号 ÷ 发现问题：本期发现的问题中期末前已销号的比例。",
         "findings_rectified", "findings_found"),
    Rate("on_time_rate", "按期整改率", "on-time rate",
         "按期整改 ÷ 本期到期问题：整改期限落在本期的问题中，按期销号的比例。",
         "findings_on_time", "findings_due"),
    Rate("revisit_pass_rate", "回头看通过率", "revisit pass rate",
         "回头看通过 ÷ 回头看完成。", "revisits_passed", "revisits_done"),
)
RATE_BY_KEY = {r.key: r for r in RATES}


def rate_of(part: int, whole: int) -> float | None:
    """A share, None when there is nothing to divide by (shown as "—", never as 0%)."""
    return part / whole if whole else None


def percent(value: float | None) -> str:
    """One decimal, as offices print rates: 85.7%."""
    return "—" if value is None else f"{value * 100:.1f}%"


def count_query(figure: Figure, office_id: uuid.UUID, period: Period, region_prefix: str | None,
                group: sa.ColumnElement | None = None, closed: sa.ColumnElement | None = None) -> sa.Select:
    """SELECT [group,] COUNT(DISTINCT counted) for the figure; grouped when `group` is given.
    `closed`: the close-out as of the period's end (finding_history.closed_at_as_of); without it,
    the findings' `closed_at` as it stands."""
    source = figure.rows_source
    count = sa.func.count(sa.distinct(source.counted))
    columns = [group, count] if group is not None else [count]
    query = source.select(columns, office_id, region_prefix).where(
        *figure.clauses(period, Finding.closed_at if closed is None else closed))
    return query.group_by(group) if group is not None else query


def row_ids(figure: Figure, office_id: uuid.UUID, period: Period, region_prefix: str | None,
            category: str | None = None, channel: str | None = None,
            closed: sa.ColumnElement | None = None) -> sa.Select:
    """The ids behind the figure (estates for 检查小区数), optionally of one problem category or
    (complaints) one channel; `closed` as for count_query."""
    source = figure.rows_source
    query = source.select([source.counted], office_id, region_prefix).where(
        *figure.clauses(period, Finding.closed_at if closed is None else closed))
    if category is not None and source.category is not None:
        query = query.where(source.category == category)
    if channel is not None and source.table is Complaint:
        query = query.where(Complaint.channel == channel)
    return query.distinct()


def rows_model(figure: Figure) -> type:
    """The rows a figure lists: estates for 检查小区数, otherwise the table it counts."""
    return Estate if figure.source == "estate" else figure.rows_source.table
