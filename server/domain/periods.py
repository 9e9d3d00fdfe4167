"""Reporting periods (统计周期): a week, month, quarter, half-year or year in China's local time.

Bulletins, scores, red and black lists and complaint figures all count over one of these. A period
is a half-open span of local dates [start, end); `start_utc` / `end_utc` give its bounds as aware
UTC moments for queries (stored times are UTC). Keys are the strings users type and URLs carry:
"2026-W48", "2026-11", "2026-Q4", "2026-H2", "2026".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal

# China keeps one time zone and no daylight saving: a fixed offset needs no tz database.
CHINA = timezone(timedelta(hours=8), "CST")

PeriodKind = Literal["week", "month", "quarter", "half", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("week", "month", "quarter", "half", "year")
KIND_LABELS_ZH = {"week": "周", "month": "月", "quarter": "季度", "half": "半年", "year": "年"}

_QUARTER_ZH = ("一", "二", "三", "四")
_KEY_PATTERNS = (
    (re.compile(r"^(\d{4})-W(\d{1,2})$"), "week"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-H([12])$"), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
)


class PeriodError(ValueError):
    """A period key or number that names no period; the message is for the user (zh / en)."""


def _month_start(year: int, month: int) -> date:
    # Months beyond December roll into the next year, so callers can add months freely.
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def _checked_year(year: int) -> int:
    if not 1900 <= year <= 9998:
        raise PeriodError(f"年份超出范围：{year} / year out of range: {year}")
    return year


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # exclusive

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def week(cls, iso_year: int, iso_week: int) -> Period:
        """ISO week: Monday to Sunday; week 1 holds the year's first Thursday."""
        _checked_year(iso_year)
        try:
            start = date.fromisocalendar(iso_year, iso_week, 1)
        except ValueError:
            raise PeriodError(
                f"{iso_year}年没有第{iso_week}周 / {iso_year} has no ISO week {iso_week}"
            ) from None
        return cls("week", start, start + timedelta(days=7))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        _checked_year(year)
        if not 1 <= month <= 12:
            raise PeriodError(f"月份应为1到12：{month} / month must be 1 to 12: {month}")
        return cls("month", date(year, month, 1), _month_start(year, month + 1))

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        _checked_year(year)
        if not 1 <= q <= 4:
            raise PeriodError(f"季度应为1到4：{q} / quarter must be 1 to 4: {q}")
        first = 3 * (q - 1) + 1
        return cls("quarter", date(year, first, 1), _month_start(year, first + 3))

    @classmethod
    def half(cls, year: int, h: int) -> Period:
        _checked_year(year)
        if h not in (1, 2):
            raise PeriodError(f"半年应为1或2：{h} / half must be 1 or 2: {h}")
        first = 1 if h == 1 else 7
        return cls("half", date(year, first, 1), _month_start(year, first + 6))

    @classmethod
    def year(cls, year: int) -> Period:
        _checked_year(year)
        return cls("year", date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def parse(cls, key: str) -> Period:
        """"2026-W48", "2026-11", "2026-Q4", "2026-H2" or "2026" (surrounding spaces ignored)."""
        text = (key or "").strip().upper()
        for pattern, kind in _KEY_PATTERNS:
            match = pattern.match(text)
            if match:
                numbers = [int(part) for part in match.groups()]
                return getattr(cls, kind)(*numbers)
        raise PeriodError(
            f"无法识别的统计周期：{key!r}（示例：2026-W48、2026-11、2026-Q4、2026-H2、2026）"
            f" / unknown period {key!r} (e.g. 2026-W48, 2026-11, 2026-Q4, 2026-H2, 2026)"
        )

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The period of the given kind that holds a local date."""
        if kind == "week":
            iso = day.isocalendar()
            return cls.week(iso.year, iso.week)
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "half":
            return cls.half(day.year, 1 if day.month <= 6 else 2)
        if kind == "year":
            return cls.year(day.year)
        raise PeriodError(f"未知的周期类型：{kind} / unknown period kind: {kind}")

    # -- names --------------------------------------------------------------------------------
    @property
    def key(self) -> str:
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        return f"{self.start.year}"

    @property
    def label_zh(self) -> str:
        year = self.start.year
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}年第{iso.week}周"
        if self.kind == "month":
            return f"{year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{year}年第{_QUARTER_ZH[(self.start.month - 1) // 3]}季度"
        if self.kind == "half":
            return f"{year}年{'上' if self.start.month == 1 else '下'}半年"
        return f"{year}年"

    @property
    def label_en(self) -> str:
        year = self.start.year
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"week {iso.week} of {iso.year}"
        if self.kind == "month":
            return self.start.strftime("%B %Y")
        if self.kind == "quarter":
            return f"Q{(self.start.month - 1) // 3 + 1} {year}"
        if self.kind == "half":
            return f"{'first' if self.start.month == 1 else 'second'} half of {year}"
        return str(year)

    @property
    def range_zh(self) -> str:
        """The local dates covered, inclusive: "2026年11月1日至2026年11月30日"."""
        first, last = self.start, self.end - timedelta(days=1)
        return f"{first.year}年{first.month}月{first.day}日至{last.year}年{last.month}月{last.day}日"

    # -- bounds -------------------------------------------------------------------------------
    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time.min, CHINA).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return datetime.combine(self.end, time.min, CHINA).astimezone(UTC)

    @property
    def start_naive_utc(self) -> datetime:
        """`start_utc` without tzinfo, for the columns that store naive UTC."""
        return self.start_utc.replace(tzinfo=None)

    @property
    def end_naive_utc(self) -> datetime:
        return self.end_utc.replace(tzinfo=None)

    def holds(self, day: date) -> bool:
        return self.start <= day < self.end

    # -- neighbours ---------------------------------------------------------------------------
    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        return Period.containing(self.kind, self.end)

    def months(self) -> list[Period]:
        """The months inside a month, quarter, half-year or year (for monthly breakdowns)."""
        if self.kind == "week":
            return []
        result, cursor = [], self.start
        while cursor < self.end:
            month = Period.month(cursor.year, cursor.month)
            result.append(month)
            cursor = month.end
        return result

    def __str__(self) -> str:
        return self.key
