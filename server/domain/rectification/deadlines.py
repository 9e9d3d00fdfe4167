"""Deadlines (整改期限): counted in calendar or working days, in China's local time.

Working days follow the official calendar (the chinese-calendar package knows the public
holidays and the make-up working days, 调休), corrected by the office's own exceptions
(WorkCalendarDay). For a year the package does not cover yet, weekends are the rest days.
A deadline falls at the end of its local day; reminders go out at a fixed local hour.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

import chinese_calendar
import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import OFFICE_ROLES, ChecklistItem, Finding, Office, User, WorkCalendarDay
from server.domain.rectification.access import covers_whole_office
from server.domain.rectification.settings import days_for_severity, setting
from server.extensions import db

# China keeps one time zone and no daylight saving: a fixed offset needs no tz database.
CHINA = timezone(timedelta(hours=8), "CST")
END_OF_DAY = time(23, 59, 59)


class DayKind(enum.StrEnum):
    CALENDAR = "calendar"  # 自然日
    WORKING = "working"  # 工作日


DAY_KIND_LABELS = {DayKind.CALENDAR: "自然日", DayKind.WORKING: "工作日"}


def local_date(at_utc: datetime) -> date:
    """The date in China at a stored (naive UTC) moment."""
    return at_utc.replace(tzinfo=UTC).astimezone(CHINA).date()


def local_time(at_utc: datetime) -> datetime:
    return at_utc.replace(tzinfo=UTC).astimezone(CHINA).replace(tzinfo=None)


def utc_at(day: date, at: time) -> datetime:
    """The stored (naive UTC) moment of a local date and time."""
    return datetime.combine(day, at, CHINA).astimezone(UTC).replace(tzinfo=None)



def end_of_local_day(day: date) -> datetime:
    return utc_at(day, END_OF_DAY)


class WorkCalendar:
    """Official calendar plus an office's exceptions (date → is it a working day)."""

    def __init__(self, exceptions: dict[date, bool] | None = None) -> None:
        self.exceptions = dict(exceptions or {})

    def is_workday(self, day: date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            # The package has no data for this year yet; the office adds exceptions by hand.
            return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        return sum(1 for n in range(1, (end - start).days + 1)
                   if self.is_workday(start + timedelta(days=n)))


def office_calendar(office_id: uuid.UUID) -> WorkCalendar:
    rows = db.session.execute(
        sa.select(WorkCalendarDay.day, WorkCalendarDay.is_workday)
        .where(WorkCalendarDay.office_id == office_id)
    )
    return WorkCalendar({day: is_workday for day, is_workday in rows})


CALENDAR_NAME_MAX = 50


def may_keep_calendar(office: Office, actor: User) -> bool:
    """The calendar holds for the whole office, so a district's supervisor may not change it."""
    return actor.role in OFFICE_ROLES and actor.office_id == office.id and covers_whole_office(actor)


def _require_calendar_keeper(office: Office, actor: User) -> None:
    if not may_keep_calendar(office, actor):
        raise TransitionRefused("forbidden", "只有负责全单位的督导或管理员可以修改工作日历 "
                                             "(only office-wide supervisors and admins change the calendar)")


def set_calendar_day(
    office: Office, day: date, is_workday: bool, actor: User, name: str = ""
) -> WorkCalendarDay:
    """Record an office's own holiday or make-up working day (supervisors and admins).

    Deadlines counted from then on follow it; deadlines already set stay as they are."""
    _require_calendar_keeper(office, actor)
    name = (name or "").strip()
    if len(name) > CALENDAR_NAME_MAX:
        raise TransitionRefused("invalid_input", f"名称不能超过 {CALENDAR_NAME_MAX} 字 (name too long)")
    row = db.session.get(WorkCalendarDay, (office.id, day))
    if row is None:
        row = WorkCalendarDay(office_id=office.id, day=day, is_workday=is_workday, name=name)
        db.session.add(row)
    else:
        row.is_workday, row.name = is_workday, name
    record_audit(actor, "set_calendar_day", office,
                 {"day": day, "is_workday": is_workday, "name": name}, office_id=office.id)
    db.session.flush()
    return row


def remove_calendar_day(office: Office, day: date, actor: User) -> None:
    """Drop an office's own exception: the day follows the official calendar again."""
    _require_calendar_keeper(office, actor)
    row = db.session.get(WorkCalendarDay, (office.id, day))
    if row is None:
        raise TransitionRefused("not_found", f"{day} 没有本单位的例外 (no exception on that day)")
    record_audit(actor, "remove_calendar_day", office,
                 {"day": day, "was_workday": row.is_workday, "name": row.name}, office_id=office.id)
    db.session.delete(row)
    db.session.flush()


def office_exceptions(office_id: uuid.UUID, year: int) -> list[WorkCalendarDay]:
    return list(db.session.scalars(
        sa.select(WorkCalendarDay)
        .where(WorkCalendarDay.office_id == office_id,
               WorkCalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(WorkCalendarDay.day)))


# The package names holidays in English; the pages speak Chinese first.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class OfficialHoliday:
    name: str  # zh_CN
    english: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class OfficialYear:
    """The State Council's calendar for a year as the chinese-calendar package knows it."""

    year: int
    known: bool  # False: the package has no data yet, weekends are the rest days
    holidays: list[OfficialHoliday]
    workdays: list[tuple[date, str, str]]  # 调休上班: (day, name, English name)

    def name_of(self, day: date) -> str:
        """"国庆节" for a day of a public holiday, "国庆节调休上班" for its make-up day, else ""."""
        for holiday in self.holidays:
            if holiday.start <= day <= holiday.end:
                return holiday.name
        return next((f"{name}调休上班" for d, name, _ in self.workdays if d == day), "")


def official_year(year: int) -> OfficialYear:
    """Public holidays (runs of consecutive days) and make-up working days of `year`."""
    days = sorted((d, str(v)) for d, v in chinese_calendar.holidays.items() if d.year == year)
    runs: list[OfficialHoliday] = []
    for day, english in days:
        last = runs[-1] if runs else None
        if last is not None and last.english == english and day == last.end + timedelta(days=1):
            runs[-1] = OfficialHoliday(last.name, english, last.start, day)
        else:
            runs.append(OfficialHoliday(HOLIDAY_NAMES.get(english, english), english, day, day))
    workdays = sorted((d, HOLIDAY_NAMES.get(str(v), str(v)), str(v))
                      for d, v in chinese_calendar.workdays.items() if d.year == year)
    return OfficialYear(year, bool(runs), runs, workdays)


def official_is_workday(day: date) -> bool:
    """The official calendar alone, without an office's exceptions."""
    return WorkCalendar().is_workday(day)


def default_days(finding: Finding) -> int:
    """The checklist item's days when the finding came from one, else the office's days for
    the finding's severity; a finding graded more severe than its item never gets longer."""
    by_severity = days_for_severity(finding.severity)
    if finding.item_id is None:
        return by_severity
    item = db.session.get(ChecklistItem, finding.item_id)
    if item is None:
        return by_severity
    if finding.severity != item.default_severity:
        return min(item.rectification_days, by_severity)
    return item.rectification_days


def parse_day_kind(value: str | DayKind | None) -> DayKind:
    if value is None or value == "":
        value = setting("DEADLINE_DAY_KIND")
    try:
        return DayKind(value)
    except ValueError:
        raise TransitionRefused("invalid_input", f"期限计算方式只能是自然日或工作日, got {value!r}") from None


def deadline_after(start: datetime, days: int, day_kind: DayKind, calendar: WorkCalendar) -> datetime:
    """The end of the local day `days` calendar or working days after `start`."""
    start_day = local_date(start)
    if day_kind == DayKind.WORKING:
        return end_of_local_day(calendar.add_working_days(start_day, days))
    return end_of_local_day(start_day + timedelta(days=days))


def deadline_on(day: date, issued_at: datetime) -> datetime:
    """A deadline set by hand: the end of that local day, never before the issue day."""
    if day < local_date(issued_at):
        raise TransitionRefused("invalid_input", f"整改期限 {day} 早于下发日期 (deadline before issue date)")
    return end_of_local_day(day)
