"""What every filtered list of the dashboard reads from the URL the same way: the search text,
a company, tick boxes, and filters turned back into URL arguments; and walking all its pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

from server.domain.problem_ledger import Q_MAX, LedgerFilterError

F = TypeVar("F")


def url_args(filters: Any, **changes) -> dict[str, str]:
    """The filters' set values as URL arguments (ticks as 1), e.g. for the next page's link."""
    values = replace(filters, **changes) if changes else filters
    return {key: "1" if value is True else str(value) for key, value in values.__dict__.items()
            if value not in (None, "", False)}


def search_text(raw: str) -> str:
    if len(raw) > Q_MAX:
        raise LedgerFilterError(f"搜索词不能超过 {Q_MAX} 个字 (search text too long)")
    return raw


def company_id(raw: str) -> uuid.UUID | None:
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise LedgerFilterError("筛选条件「物业企业」无法识别 (bad company)") from None


def tick(raw: str) -> bool:
    if raw and raw not in ("1", "0"):
        raise LedgerFilterError("勾选项只能是 1 或 0 (a tick box is 1 or 0)")
    return raw == "1"


def every_row(page: Callable[[F], tuple[list, str | None]], filters: F) -> Iterator:
    """Every row of a keyset-paged list, a page at a time (for its export)."""
    filters = replace(filters, after=None)  # type: ignore[type-var]
    while True:
        rows, cursor = page(filters)
        yield from rows
        if cursor is None:
            return
        filters = replace(filters, after=cursor)  # type: ignore[type-var]
