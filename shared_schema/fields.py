"""Field types with the wire conventions of Xuncha."""

from __future__ import annotations

import re
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
        parsed = _tablet_form(value)
        if parsed is None:
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


# The form the tablets and the server write ("2026-03-01T08:30:00.000Z": UTC, milliseconds or
# none): read by datetime's own C parser, a quarter of the time of marshmallow's ISO reader,
# which still reads every other form (and words the errors).
_TABLET_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?Z")


def _tablet_form(value) -> datetime | None:
    if type(value) is not str or not _TABLET_FORM.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value[:-1])
    except ValueError:  # a day or hour that does not exist: marshmallow's error
        return None


class Sha256(fields.String):
    """A SHA-256 digest as 64 lowercase hex characters."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise ValidationError("not a SHA-256 hex digest (64 lowercase hex characters)")
        return text
