"""Times on the tablet are ISO 8601 UTC text, the same shape the wire uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared_schema.fields import UtcDateTime

_FIELD = UtcDateTime()


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
