"""Companies and responsible units (物业服务企业 / 自管单位 / 街道办事处 / 社区居委会).

The unit an estate's notices go to is `Estate.company`, whatever its kind: a property company
for a professionally managed estate; for an estate nobody manages (无物业, 业主自管) the street
office or community that answers for it. Its users log in with the company role and report
fixes exactly as a company does (docs/rectification.md)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.credit_code import CreditCodeError, validate_credit_code
from server.domain.models import OFFICE_ROLES, Company, ManagementType, Office, UnitKind, User
from server.domain.registry.errors import AccountRefused
from server.extensions import db

UNIT_KIND_LABELS = {
    UnitKind.PROPERTY_COMPANY: "物业服务企业",
    UnitKind.WORK_UNIT: "自管单位",
    UnitKind.STREET_OFFICE: "街道办事处",
    UnitKind.COMMUNITY: "社区居委会",
}
# Which kinds of unit may answer for an estate of each management type.
UNITS_FOR_MANAGEMENT = {
    ManagementType.PROFESSIONAL: frozenset({UnitKind.PROPERTY_COMPANY}),
    ManagementType.UNIT_SELF: frozenset({UnitKind.WORK_UNIT, UnitKind.PROPERTY_COMPANY}),
    ManagementType.OWNER_SELF: frozenset({UnitKind.STREET_OFFICE, UnitKind.COMMUNITY}),
    ManagementType.FALLBACK: frozenset({UnitKind.STREET_OFFICE, UnitKind.COMMUNITY}),
}


@dataclass
class UnitFields:
    name: str
    kind: UnitKind | str
    credit_code: str
    filed_at: date | None = None
    contact_person: str = ""
    phone: str = ""
    address: str = ""


def require_office_staff(actor: User | None, office_id: uuid.UUID) -> None:
    if actor is not None and (actor.role not in OFFICE_ROLES or actor.office_id != office_id):
        raise AccountRefused("forbidden", "只有科室负责人或管理员可以修改 (supervisors and admins only)")


def _clean(fields: UnitFields, company_id: uuid.UUID | None) -> dict:
    name = (fields.name or "").strip()
    if not 2 <= len(name) <= 200:
        raise AccountRefused("invalid_input", "请填写单位全称（2–200字）(full name, 2–200 characters)")
    try:
        kind = UnitKind(fields.kind)
    except ValueError:
        raise AccountRefused("invalid_input", "请选择单位类型 (choose the kind of unit)") from None
    try:
        code = validate_credit_code(fields.credit_code)
    except CreditCodeError as exc:
        raise AccountRefused("invalid_input", f"{exc} (unified social credit code)") from None
    taken = db.session.scalar(sa.select(Company.name).where(Company.credit_code == code,
                                                            Company.id != company_id))
    if taken:
        raise AccountRefused("duplicate", f"统一社会信用代码 {code} 已属于「{taken}」 (code already used)")
    values = {"name": name, "kind": kind, "credit_code": code, "filed_at": fields.filed_at}
    for key, limit in (("contact_person", 50), ("phone", 30), ("address", 200)):
        text = (getattr(fields, key) or "").strip()
        if len(text) > limit:
            raise AccountRefused("invalid_input", f"{key} 不超过{limit}字 (too long)")
        values[key] = text
    return values


def create_unit(office: Office, actor: User | None, fields: UnitFields) -> Company:
    require_office_staff(actor, office.id)
    company = Company(office_id=office.id, **_clean(fields, None))
    db.session.add(company)
    db.session.flush()
    record_audit(actor, "create_company", company, asdict(fields) | {"kind": company.kind})
    return company


def update_unit(company: Company, actor: User, fields: UnitFields) -> Company:
    require_office_staff(actor, company.office_id)
    values = _clean(fields, company.id)
    changes = {k: [getattr(company, k), v] for k, v in values.items() if getattr(company, k) != v}
    for key, (_, value) in changes.items():
        setattr(company, key, value)
    if changes:
        record_audit(actor, "update_company", company, changes)
    db.session.flush()
    return company
