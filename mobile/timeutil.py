"""Times on the tablet are ISO 8601 UTC text, the same shape the wire uses; people read China time.

Deadlines are instants (a revisit due "on 12月4日" is `2026-12-04T15:59:59Z`, 23:59 in Beijing), so
every "which day" question is answered on the China calendar date, never on the UTC date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal

from shared_schema.fields import UtcDateTime

_FIELD = UtcDateTime()
# China has one time zone and no daylight saving.
CHINA = timezone(timedelta(hours=8), "CST")

DueState = Literal["overdue", "today", "upcoming"]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_wire(value: datetime | None) -> str | None:
    """Naive-UTC datetime → "2026-03-01T08:30:00.000Z"."""
    return _FIELD._serialize(value, None, None)


def from_wire(text: str | None) -> datetime | None:
    if not text:
        return None
    return _FIELD.deserialize(text)


def now_wire() -> str:
    return to_wire(utcnow())


def days_after(text: str, days: int) -> str:
    return to_wire(from_wire(text) + timedelta(days=days))


def _as_utc(moment: datetime | str | None) -> datetime:
    """A wire text, a naive-UTC or an aware datetime (None: now) → naive UTC."""
    if moment is None:
        return utcnow()
    if isinstance(moment, str):
        return from_wire(moment)
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def china_time(moment: datetime | str | None = None) -> datetime:
    """The moment as a China wall-clock time (aware, UTC+8)."""
    return _as_utc(moment).replace(tzinfo=UTC).astimezone(CHINA)


def china_date(moment: datetime | str | None = None) -> date:
    return china_time(moment).date()


def local_text(wire_iso: str | None, with_time: bool = True, *, now: datetime | str | None = None) -> str:
    """A wire time as people read it in China: "12月4日 23:59" this year, "2025-12-04 23:59" another
    year (the date alone without `with_time`). No time gives ""."""
    if not wire_iso:
        return ""
    moment = china_time(wire_iso)
    if moment.year == china_time(now).year:
        text = f"{moment.month}月{moment.day}日"
    else:
        text = moment.strftime("%Y-%m-%d")
    return f"{text} {moment:%H:%M}" if with_time else text


def due_state(due_at_wire: str | None, now: datetime | str | None = None) -> DueState:
    """Where a deadline stands on the China calendar: a due date before today is overdue, today's
    (whatever its hour) is today, later (or none) is upcoming."""
    if not due_at_wire:
        return "upcoming"
    due, today = china_date(due_at_wire), china_date(now)
    if due < today:
        return "overdue"
    return "today" if due == today else "upcoming"


def days_left(due_at_wire: str, now: datetime | str | None = None) -> int:
    """China calendar days from today to the deadline (negative when overdue)."""
    return (china_date(due_at_wire) - china_date(now)).days
