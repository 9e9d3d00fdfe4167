"""The notices list as XLSX: the columns of the page."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from server.domain.dashboard.notice_list import STATUS_WORDS, NoticeFilters, iter_notices
from server.domain.exports.xlsx import Column, write_xlsx
from server.domain.models import User
from server.domain.rectification.deadlines import local_time

NOTICE_COLUMNS: list[Column] = [
    Column("文号 Number", 18, lambda r: r.notice.label),
    Column("小区 Estate", 24, lambda r: r.estate),
    Column("物业企业 Company", 28, lambda r: r.company),
    Column("下发时间 Issued", 18, lambda r: local_time(r.notice.issued_at)),
    Column("状态 Status", 14, lambda r: STATUS_WORDS[r.notice.status]),
    Column("问题数 Findings", 10, lambda r: r.findings),
    Column("待整改 Owing a fix", 10, lambda r: r.open),
    Column("逾期天数 Days late", 10, lambda r: r.days_late or None),
    Column("通知书编号 Notice id", 36, lambda r: str(r.notice.id)),
]


def export_notices(target: str | IO[bytes], user: User, filters: NoticeFilters, now: datetime) -> int:
    return write_xlsx(target, "整改通知书", NOTICE_COLUMNS, iter_notices(user, filters, now))
