"""The problem ledger as XLSX: the columns of the page, with the filters it was given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import IO

from server.domain.exports.xlsx import Column, write_xlsx
from server.domain.finding_workflow import STATUS_LABELS
from server.domain.models import User
from server.domain.problem_ledger import SEVERITY_LABELS, LedgerFilters, iter_ledger
from server.domain.rectification.deadlines import local_time


def _local(at: datetime | None) -> datetime | None:
    return local_time(at) if at else None


LEDGER_COLUMNS: list[Column] = [
    Column("小区 Estate", 22, lambda r: r.estate_name),
    Column("物业企业 Company", 28, lambda r: r.company_name),
    Column("类别 Category", 16, lambda r: r.finding.category),
    Column("位置 Location", 14, lambda r: r.finding.location),
    Column("问题描述 Description", 48, lambda r: r.finding.description),
    Column("严重程度 Severity", 10, lambda r: SEVERITY_LABELS[r.finding.severity]),
    Column("状态 Status", 14, lambda r: STATUS_LABELS[r.finding.status]),
    Column("发现时间 Found", 18, lambda r: _local(r.finding.found_at)),
    Column("整改期限 Due", 18, lambda r: _local(r.finding.due_at)),
    Column("逾期天数 Days late", 10, lambda r: r.days_late or None),
    Column("销号时间 Closed", 18, lambda r: _local(r.finding.closed_at)),
    Column("检查员 Inspector", 12, lambda r: r.reporter),
    Column("问题编号 Finding id", 36, lambda r: str(r.finding.id)),
]


def export_ledger(target: str | IO[bytes], user: User, filters: LedgerFilters, now: datetime,
                  progress: Callable[[int], None] | None = None) -> int:
    """Write the filtered ledger to `target`; returns the number of rows."""
    return write_xlsx(target, "问题台账", LEDGER_COLUMNS, iter_ledger(user, filters, now), progress=progress)
