"""The estates list as XLSX: the columns of the page."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from server.domain.dashboard.estate_list import EstateFilters, iter_estates
from server.domain.exports.xlsx import Column, write_xlsx
from server.domain.models import User

ESTATE_COLUMNS: list[Column] = [
    Column("小区 Estate", 24, lambda r: r.estate.name),
    Column("社区 Community", 16, lambda r: r.community),
    Column("地址 Address", 30, lambda r: r.estate.address),
    Column("物业企业 Company", 28, lambda r: r.company),
    Column("户数 Households", 10, lambda r: r.estate.households),
    Column("最近得分率 Latest score %", 12, lambda r: round(r.score, 1) if r.score is not None else None),
    Column("未销号 Open", 10, lambda r: r.open),
    Column("逾期 Overdue", 10, lambda r: r.overdue),
    Column("小区编号 Estate id", 36, lambda r: str(r.estate.id)),
]


def export_estates(target: str | IO[bytes], user: User, filters: EstateFilters, now: datetime) -> int:
    return write_xlsx(target, "小区", ESTATE_COLUMNS, iter_estates(user, filters, now))
