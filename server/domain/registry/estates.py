"""Editing an estate's record (小区资料): its unit, management type, size, committee, address;
and whether a notice can be issued for it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from server.domain.audit import record_audit
from server.domain.models import OFFICE_ROLES, CommitteeStatus, Company, Estate, ManagementType, User
from server.domain.rectification.access import can_see_estate
from server.domain.registry.errors import AccountRefused
from server.domain.registry.units import UNIT_KIND_LABELS, UNITS_FOR_MANAGEMENT
from server.extensions import db

MANAGEMENT_LABELS = {
    ManagementType.PROFESSIONAL: "专业物业服务",
    ManagementType.UNIT_SELF: "单位自管",
    ManagementType.OWNER_SELF: "业主自管",
    ManagementType.FALLBACK: "无物业（兜底）",
}
COMMITTEE_LABELS = {
    CommitteeStatus.NONE: "未成立",
    CommitteeStatus.OWNERS_COMMITTEE: "业主委员会",
    CommitteeStatus.TEMPORARY_COMMITTEE: "临时管委会",
}


@dataclass
class EstateFields:
    management_type: ManagementType | str
    company_id: uuid.UUID | None
    households: str | int = 0
    floor_area: str | Decimal = "0"
    buildings: str | int = 0
    committee_status: CommitteeStatus | str = CommitteeStatus.NONE
    address: str = ""


def no_addressee_reason(estate: Estate) -> str | None:
    """Why a notice for this estate has nobody to go to, or None when it has."""
    if estate.company_id is not None:
        return None
    if estate.management_type == ManagementType.PROFESSIONAL:
        return f"「{estate.name}」尚未登记物业服务企业，请先在小区资料中指定 (no company on record)"
    return (f"「{estate.name}」为{MANAGEMENT_LABELS[estate.management_type]}小区，请先在小区资料中"
            "指定负责整改的街道办事处或社区 (choose the responsible street office or community)")


def _count(raw, what: str) -> int:
    try:
        value = int(str(raw).strip() or 0)
    except ValueError:
        raise AccountRefused("invalid_input", f"{what}应为整数 (a whole number)") from None
    if not 0 <= value <= 1_000_000:
        raise AccountRefused("invalid_input", f"{what}应在0–1000000之间")
    return value


def update_estate(estate: Estate, actor: User, fields: EstateFields) -> Estate:
    """Change the estate's record; the audit log keeps each field's old and new value."""
    if actor.role not in OFFICE_ROLES or not can_see_estate(actor, estate):
        raise AccountRefused("forbidden", "只有本区域的科室负责人或管理员可以修改小区资料")
    try:
        management = ManagementType(fields.management_type)
        committee = CommitteeStatus(fields.committee_status)
    except ValueError:
        raise AccountRefused("invalid_input", "请选择管理类型和业委会情况") from None
    unit = db.session.get(Company, fields.company_id) if fields.company_id else None
    if fields.company_id and (unit is None or unit.office_id != estate.office_id):
        raise AccountRefused("invalid_input", "所选单位不存在 (no such unit)")
    allowed = UNITS_FOR_MANAGEMENT[management]
    if unit is not None and unit.kind not in allowed:
        wanted = "、".join(UNIT_KIND_LABELS[k] for k in sorted(allowed))
        raise AccountRefused("invalid_input", f"{MANAGEMENT_LABELS[management]}小区的整改责任单位应为"
                                              f"{wanted}，「{unit.name}」是{UNIT_KIND_LABELS[unit.kind]}")
    try:
        area = Decimal(str(fields.floor_area).strip() or "0").quantize(Decimal("0.01"))
    except InvalidOperation:
        raise AccountRefused("invalid_input", "建筑面积应为数字 (floor area is a number)") from None
    if not 0 <= area < Decimal("1e10"):
        raise AccountRefused("invalid_input", "建筑面积应不小于0 (floor area ≥ 0)")
    address = (fields.address or "").strip()
    if len(address) > 200:
        raise AccountRefused("invalid_input", "地址不超过200字 (address up to 200 characters)")
    values = {"management_type": management, "company_id": unit.id if unit else None,
              "households": _count(fields.households, "户数"), "floor_area": area,
              "buildings": _count(fields.buildings, "楼栋数"), "committee_status": committee,
              "address": address}
    changes = {k: [getattr(estate, k), v] for k, v in values.items() if getattr(estate, k) != v}
    for key, (_, value) in changes.items():
        setattr(estate, key, value)
    if "company_id" in changes:
        estate.company = unit
    if changes:
        record_audit(actor, "update_estate", estate, changes)
    db.session.flush()
    return estate


def notice_blocker(estate: Estate, findings: list) -> str | None:
    """Why the issue-notice action is disabled on the estate's page, or None when it is not."""
    from server.domain.finding_workflow import TRANSITIONS

    nobody = no_addressee_reason(estate)
    if nobody:
        return f"不能下发整改通知书：{nobody}"
    if not any(f.status in TRANSITIONS["issue_notice"].sources for f in findings):
        return ("没有可列入整改通知书的问题：未销号问题都已在通知书上 "
                "(every open finding is already on a notice)")
    return None
