"""Values made safe for a JSON column: what the audit log and stored sync replies keep."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def jsonable(value: Any) -> Any:
    """Dicts and lists recursively; times as ISO 8601 UTC with "Z"; anything else as text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(getattr(value, "value", value))
