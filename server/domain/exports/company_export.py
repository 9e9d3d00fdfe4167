"""The companies list as XLSX: the columns of the page."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from server.domain.dashboard.company_list import CompanyFilters, iter_companies
from server.domain.exports.xlsx import Column, write_xlsx
from server.domain.models import User
from server.domain.registry.units import UNIT_KIND_LABELS

COMPANY_COLUMNS: list[Column] = [
    Column("名称 Name", 30, lambda r: r.company.name),
    Column("类型 Kind", 14, lambda r: UNIT_KIND_LABELS[r.company.kind]),
    Column("统一社会信用代码 Credit code", 22, lambda r: r.company.credit_code),
    Column("联系人 Contact", 12, lambda r: r.company.contact_person),
    Column("电话 Phone", 14, lambda r: r.company.phone),
    Column("小区 Estates", 10, lambda r: r.estates),
    Column("未销号 Open", 10, lambda r: r.open),
    Column("逾期 Overdue", 10, lambda r: r.overdue),
    Column("单位编号 Unit id", 36, lambda r: str(r.company.id)),
]


def export_companies(target: str | IO[bytes], user: User, filters: CompanyFilters, now: datetime) -> int:
    return write_xlsx(target, "企业与责任单位", COMPANY_COLUMNS, iter_companies(user, filters, now))
