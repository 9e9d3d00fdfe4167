"""The bulletin's sections that other modules count: complaints by channel (complaints.stats),
red and black lists and penalty and commendation records (assessment), and double-random plans
(random_plans).

Each is looked up when a bulletin is made; while a module is not installed in this tree the
section is `None` and the bulletin prints 本期无数据来源 (no data source) in its place.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from server.domain.periods import Period

NO_SOURCE_ZH = "本期无数据来源"


def _function(module: str, name: str) -> Callable[..., Any] | None:
    try:
        found = importlib.import_module(module)
    except ModuleNotFoundError as missing:
        # Only the absence of that very module means "no source"; a broken import inside it
        # is a bug to see, not a section to hide.
        if missing.name and module.startswith(missing.name):
            return None
        raise
    return getattr(found, name, None)


def complaints_by_channel(session: Session, office_id: uuid.UUID, period: Period,
                          region_prefix: str | None) -> list[Any] | None:
    fn = _function("server.domain.complaints.stats", "complaints_by_channel")
    return None if fn is None else list(fn(session, office_id, period, region_code_prefix=region_prefix))


def red_black_lists(session: Session, office_id: uuid.UUID, period: Period,
                    region_prefix: str | None, n: int | None = None) -> Any | None:
    fn = _function("server.domain.assessment", "red_black_lists")
    return None if fn is None else fn(session, office_id, period, n=n, region_code_prefix=region_prefix)


def credit_records(session: Session, office_id: uuid.UUID, period: Period,
                   region_prefix: str | None) -> list[Any] | None:
    fn = _function("server.domain.assessment.credit_records", "records_in_period")
    return None if fn is None else list(fn(session, office_id, period, region_code_prefix=region_prefix))


def plan_figures(session: Session, office_id: uuid.UUID, period: Period) -> Any | None:
    fn = _function("server.domain.random_plans", "plan_figures")
    return None if fn is None else fn(session, office_id, period)
