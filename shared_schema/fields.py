"""Field types with the wire conventions of Xuncha."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import ValidationError, fields


class UtcDateTime(fields.DateTime):
    """ISO 8601 on the wire ("2026-03-01T08:30:00Z"); naive UTC in Python.

    A time without an offset is read as UTC. Years outside 2000–2100 are refused: they come
    from a tablet whose clock is broken, and would poison deadlines and ordering.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        if not 2000 <= parsed.year <= 2100:
            raise ValidationError("time out of range (2000–2100)")
        return parsed

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None or isinstance(value, str):
            return value
        return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


class Sha256(fields.String):
    """A SHA-256 digest as 64 lowercase hex characters."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise ValidationError("not a SHA-256 hex digest (64 lowercase hex characters)")
        return text
