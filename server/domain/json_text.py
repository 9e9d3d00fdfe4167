"""The text stored in a JSON column, one way for every row (the ORM's and the bulk INSERT's)."""

from __future__ import annotations

import json
from typing import Any

import orjson

# Times and dataclasses are refused here as json.dumps refuses them (callers store jsonable()).
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value: Any) -> str:
    """Compact UTF-8 JSON by orjson (a tenth of json.dumps' time: a push's stored reply of 500
    results took 1.5 ms); json.dumps for what orjson does not write (an integer past 64 bits),
    and its error for what neither does."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode()
    except TypeError:
        return json.dumps(value)
