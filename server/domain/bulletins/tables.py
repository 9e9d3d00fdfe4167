"""A bulletin laid out as tables, once, for the page, the PDF and the XLSX alike.

Each cell that is a figure remembers which figure, area, category and period it counts, so the
page can link it to the rows behind it. The main table has one row per figure and one column
per district (the first column is the whole area), which reads on A4 and parses back simply.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from server.domain.bulletins.figures import CATEGORY_FIGURES, FIGURES, RATES, percent, rate_of
from server.domain.bulletins.report import Bulletin, Counts
from server.domain.bulletins.sources import NO_SOURCE_ZH

Value = int | float | Decimal | str | None


@dataclass(frozen=True)
class Cell:
    value: Value
    figure: str | None = None  # a figure key: the cell links to its rows
    region: str | None = None  # region code prefix of those rows
    category: str | None = None
    period: str | None = None  # a period key when not the bulletin's own (the monthly trend)
    channel: str | None = None  # a complaint channel
    estate: str | None = None  # an estate's id: the page links its name to the estate
    is_rate: bool = False

    @property
    def text(self) -> str:
        if self.is_rate:
            return percent(self.value if isinstance(self.value, float) else None)
        return "—" if self.value is None else str(self.value)


@dataclass
class Table:
    key: str  # also the XLSX sheet's order and the page's anchor
    title_zh: str
    title_en: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""  # shown instead of rows when the section has no source

    @property
    def sheet_name(self) -> str:
        return self.title_zh[:31]


def _figure_rows(columns: list[tuple[str | None, Counts]]) -> list[list[Cell]]:
    rows = []
    for figure in FIGURES:
        rows.append([Cell(figure.label_zh)] + [Cell(c[figure.key], figure.key, code) for code, c in columns])
    for r in RATES:
        rows.append([Cell(r.label_zh)] + [Cell(c.rate(r.key), is_rate=True) for _, c in columns])
    return rows


def main_table(b: Bulletin) -> Table:
    columns = [(b.region_code, b.totals)] + [(d.region.code, d.counts) for d in b.districts]
    headers = ["指标 Figure", "合计 Total"] + [d.region.name for d in b.districts]
    return Table("main", "主要指标（按区域）", "Figures by area", headers, _figure_rows(columns))


CATEGORY_COLUMNS = ("findings_found", "findings_rectified", "rectification_rate", "findings_due",
                    "findings_on_time", "on_time_rate", "findings_closed")


def category_table(b: Bulletin) -> Table:
    labels = {f.key: f.label_zh for f in CATEGORY_FIGURES} | {r.key: r.label_zh for r in RATES}
    table = Table("categories", "问题按类别", "Problems by category",
                  ["问题类别 Category"] + [labels[k] for k in CATEGORY_COLUMNS])
    for row in b.categories:
        cells = [Cell(row.category)]
        for key in CATEGORY_COLUMNS:
            if key.endswith("_rate"):
                cells.append(Cell(row.counts.rate(key), is_rate=True))
            else:
                cells.append(Cell(row.counts[key], key, b.region_code, row.category))
        table.rows.append(cells)
    if not b.categories:
        table.note = "本期未发现问题 (no problems in this period)"
    return table


def trend_table(b: Bulletin) -> Table | None:
    if not b.trend:
        return None
    table = Table("trend", "逐月发现与销号", "Found and closed by month",
                  ["月份 Month", "发现问题", "本期销号"])
    for point in b.trend:
        table.rows.append([Cell(point.month.label_zh),
                           Cell(point.found, "findings_found", b.region_code, period=point.month.key),
                           Cell(point.closed, "findings_closed", b.region_code, period=point.month.key)])
    return table


def complaints_table(b: Bulletin) -> Table:
    table = Table("complaints", "投诉按渠道", "Complaints by channel",
                  ["渠道 Channel", "受理", "办结", "办结率", "按期办结", "满意"])
    if b.complaints is None:
        table.note = f"{NO_SOURCE_ZH} (complaints module not installed)"
        return table
    totals = [0, 0, 0, 0]
    for row in b.complaints:
        numbers = [row.received, row.resolved, row.on_time, row.satisfied]
        totals = [t + (n or 0) for t, n in zip(totals, numbers, strict=True)]
        # complaints.stats gives the rate as a percent (Decimal 85.7); cells hold shares.
        share = None if row.resolution_rate is None else float(row.resolution_rate) / 100
        channel = str(row.channel)
        table.rows.append([Cell(row.label_zh),
                           Cell(row.received, "complaints_received", b.region_code, channel=channel),
                           Cell(row.resolved, "complaints_resolved", b.region_code, channel=channel),
                           Cell(share, is_rate=True),
                           Cell(row.on_time, "complaints_on_time", b.region_code, channel=channel),
                           Cell(row.satisfied, "complaints_satisfied", b.region_code, channel=channel)])
    table.rows.append([Cell("合计"), Cell(totals[0], "complaints_received", b.region_code),
                       Cell(totals[1], "complaints_resolved", b.region_code),
                       Cell(rate_of(totals[1], totals[0]), is_rate=True),
                       Cell(totals[2], "complaints_on_time", b.region_code),
                       Cell(totals[3], "complaints_satisfied", b.region_code)])
    return table


RED_BLACK_PARTS = (("red_estates", "红榜小区", "Red list: estates"),
                   ("black_estates", "黑榜小区", "Black list: estates"),
                   ("red_companies", "红榜企业", "Red list: companies"),
                   ("black_companies", "黑榜企业", "Black list: companies"))


def red_black_tables(b: Bulletin) -> list[Table]:
    tables = []
    for attr, title_zh, title_en in RED_BLACK_PARTS:
        table = Table(attr, title_zh, title_en,
                      ["名次", "名称 Name", "得分 Score", "等级 Grade", "理由 Reasons"])
        if b.red_black is None:
            table.note = f"{NO_SOURCE_ZH} (assessment module not installed)"
        elif b.red_black.rule_version is None:
            table.note = "本期没有生效的考核规则 (no scoring rules in force for this period)"
        else:
            for rank, row in enumerate(getattr(b.red_black, attr), start=1):
                # The score as the assessment pages print it (Decimal, two places: 96.00).
                estate = str(row.id) if attr.endswith("_estates") else None
                table.rows.append([Cell(rank), Cell(row.name, estate=estate), Cell(row.score),
                                   Cell(row.grade), Cell("；".join(row.reasons))])
            if not table.rows:
                table.note = "本期无上榜 (nobody listed)"
        tables.append(table)
    return tables


CREDIT_PARTS = (("penalty", "penalty_records", "行政处罚", "Penalties", "扣分 Points",
                 "本期无行政处罚记录 (no penalties in this period)"),
                ("commendation", "commendation_records", "通报表扬", "Commendations", "加分 Points",
                 "本期无通报表扬 (no commendations in this period)"))


def credit_record_tables(b: Bulletin) -> list[Table]:
    """行政处罚 and 通报表扬: the office's penalty and commendation records (奖惩记录) of the period,
    with the credit points each counts for."""
    tables = []
    for kind, key, title_zh, title_en, points_header, empty in CREDIT_PARTS:
        table = Table(key, title_zh, title_en, ["日期 Date", "企业 Company", "小区 Estate", "事由 Reason",
                                                points_header])
        if b.credit_records is None:
            table.note = f"{NO_SOURCE_ZH} (assessment module not installed)"
        else:
            for entry in (e for e in b.credit_records if e.kind == kind):
                table.rows.append([Cell(entry.occurred_on.isoformat()), Cell(entry.company_name),
                                   Cell(entry.estate_name), Cell(entry.title),
                                   Cell(None if entry.points is None else abs(entry.points))])
            if not table.rows:
                table.note = empty
        tables.append(table)
    return tables


PLAN_LABELS = {"plans": "抽查计划", "plans_drawn": "抽查计划", "estates_drawn": "抽取小区",
               "inspected": "已检查", "findings": "发现问题", "published": "已公开"}


def plans_table(b: Bulletin) -> Table:
    table = Table("plans", "双随机抽查", "Double-random inspections", ["指标 Figure", "数值 Value"])
    if b.plans is None:
        table.note = f"{NO_SOURCE_ZH} (random-plan module not installed)"
        return table
    values: dict[str, Any] = (dataclasses.asdict(b.plans) if dataclasses.is_dataclass(b.plans)
                              else dict(vars(b.plans)))
    for name, value in values.items():
        if isinstance(value, int | float):
            table.rows.append([Cell(PLAN_LABELS.get(name, name)), Cell(value)])
    return table


def definitions_table() -> Table:
    table = Table("definitions", "指标口径", "Definitions", ["指标 Figure", "口径 Definition"])
    table.rows = [[Cell(f.label_zh), Cell(f.definition)] for f in FIGURES]
    table.rows += [[Cell(r.label_zh), Cell(r.definition)] for r in RATES]
    return table


def bulletin_tables(b: Bulletin) -> list[Table]:
    """Every table of the bulletin in print order."""
    tables = [main_table(b), category_table(b)]
    trend = trend_table(b)
    if trend:
        tables.append(trend)
    tables.append(complaints_table(b))
    tables += red_black_tables(b)
    tables += credit_record_tables(b)
    tables.append(plans_table(b))
    tables.append(definitions_table())
    return tables
