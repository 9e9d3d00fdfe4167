"""The problem ledger as XLSX: the columns of the page, with the filters it was given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import IO

from server.domain.dashboard.scope import days_late
from server.domain.exports.xlsx import Column, write_xlsx
from server.domain.finding_workflow import STATUS_LABELS
from server.domain.models import User
from server.domain.problem_ledger import SEVERITY_LABELS, LedgerFilters, iter_ledger_records
from server.domain.rectification.deadlines import local_time


def _local(at: datetime | None) -> datetime | None:
    return local_time(at) if at else None


def ledger_columns(now: datetime) -> list[Column]:
    """The export's columns over a streamed ledger record (plain columns, no ORM object)."""
    return [
        Column("小区 Estate", 22, lambda r: r.estate_name),
        Column("物业企业 Company", 28, lambda r: r.company_name),
        Column("类别 Category", 16, lambda r: r.category),
        Column("位置 Location", 14, lambda r: r.location),
        Column("问题描述 Description", 48, lambda r: r.description),
        Column("严重程度 Severity", 10, lambda r: SEVERITY_LABELS[r.severity]),
        Column("状态 Status", 14, lambda r: STATUS_LABELS[r.status]),
        Column("发现时间 Found", 18, lambda r: _local(r.found_at)),
        Column("整改期限 Due", 18, lambda r: _local(r.due_at)),
        Column("逾期天数 Days late", 10, lambda r: days_late(r.due_at, r.status, now) or None),
        Column("销号时间 Closed", 18, lambda r: _local(r.closed_at)),
        Column("检查员 Inspector", 12, lambda r: r.reporter),
        Column("问题编号 Finding id", 36, lambda r: str(r.id)),
    ]


def export_ledger(target: str | IO[bytes], user: User, filters: LedgerFilters, now: datetime,
                  progress: Callable[[int], None] | None = None) -> int:
    """Write the filtered ledger to `target`; returns the number of rows."""
    return write_xlsx(target, "问题台账", ledger_columns(now), iter_ledger_records(user, filters, now),
                      progress=progress)
