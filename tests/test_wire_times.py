"""Times on the wire: the tablets' own form, read by datetime's parser, loads as marshmallow's
ISO 8601 reader loads it; every other form still goes to marshmallow."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError, fields

from shared_schema.fields import UtcDateTime

_MARSHMALLOW = fields.DateTime(format="iso")


def _loaded(field: fields.Field, value: str) -> datetime | str:
    try:
        return field.deserialize(value)
    except ValidationError as exc:
        return f"refused: {exc.messages}"


def _by_marshmallow(value: str) -> datetime | str:
    """What UtcDateTime loaded before it read the tablets' form itself."""
    parsed = _loaded(_MARSHMALLOW, value)
    if isinstance(parsed, str):
        return parsed
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed if 2000 <= parsed.year <= 2100 else "refused: ['time out of range (2000–2100)']"


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2110, 12, 31)), st.booleans())
def test_the_tablets_form_loads_as_marshmallow_loads_it(moment, with_milliseconds):
    text = moment.isoformat(timespec="milliseconds" if with_milliseconds else "seconds") + "Z"
    assert _loaded(UtcDateTime(), text) == _by_marshmallow(text)


@given(st.text(alphabet="0123456789-T:.Z+ ", max_size=30)
       | st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{3})?Z\Z"))
def test_any_text_loads_or_is_refused_as_before(text):
    assert _loaded(UtcDateTime(), text) == _by_marshmallow(text)


def test_days_and_hours_that_do_not_exist_are_refused_as_before():
    for text in ("2026-02-30T08:00:00Z", "2026-12-03T24:00:00Z", "2026-12-31T23:59:60Z"):
        assert _loaded(UtcDateTime(), text) == _by_marshmallow(text)
        assert _loaded(UtcDateTime(), text).startswith("refused")
