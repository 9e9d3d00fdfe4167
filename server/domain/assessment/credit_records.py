"""奖惩记录 Penalties and commendations the office enters against a company's credit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.assessment.rules import RulesError, rules_in_force
from server.domain.assessment.scoring import record_points
from server.domain.models import Company, CreditRecord, Estate, User
from server.domain.models.base import utcnow
from server.domain.periods import Period

KINDS_ZH = {"penalty": "处罚", "commendation": "表彰"}


def add_record(session: Session, office_id: uuid.UUID, actor: User, *, company_id: str, kind: str,
               occurred_on: str, title: str, points: str = "", note: str = "") -> CreditRecord:
    """Check a form's raw values and keep the record; RulesError (zh / en) on bad input."""
    try:
        company = session.get(Company, uuid.UUID(company_id))
    except ValueError:
        company = None
    if company is None or company.office_id != office_id:
        raise RulesError("请选择本单位的企业 / choose a company of this office")
    if kind not in KINDS_ZH:
        raise RulesError("类型应为处罚或表彰 / the kind must be penalty or commendation")
    try:
        day = date.fromisoformat(occurred_on)
    except ValueError:
        raise RulesError("日期格式应为 2026-10-15 / the date must look like 2026-10-15") from None
    if not title.strip():
        raise RulesError("请填写事由 / the title is required")
    amount = None
    if points.strip():
        try:
            amount = abs(Decimal(points.strip()))
        except InvalidOperation:
            raise RulesError("分值应为数字 / the points must be a number") from None
        if not amount.is_finite() or amount > 1000:
            raise RulesError("分值应在 0 到 1000 之间 / the points must be between 0 and 1000")
    record = CreditRecord(office_id=office_id, company_id=company.id, kind=kind, occurred_on=day,
                          title=title.strip()[:200], note=note.strip(), points=amount, created_by_id=actor.id)
    session.add(record)
    session.flush()
    return record


def withdraw_record(session: Session, office_id: uuid.UUID, record_id: uuid.UUID) -> None:
    """A withdrawn record stays (for the audit trail) but no longer counts."""
    record = session.get(CreditRecord, record_id)
    if record is None or record.office_id != office_id:
        raise RulesError("没有这条记录 / no such record")
    record.deleted_at = utcnow()
    session.flush()


def records_of(session: Session, office_id: uuid.UUID, limit: int = 200) -> list[CreditRecord]:
    return list(session.scalars(sa.select(CreditRecord)
                                .where(CreditRecord.office_id == office_id, CreditRecord.deleted_at.is_(None))
                                .order_by(CreditRecord.occurred_on.desc(), CreditRecord.created_at.desc())
                                .limit(limit)))


@dataclass(frozen=True)
class CreditEntry:
    """One record as a bulletin lists it: no contact person, no phone, no note."""

    kind: str  # penalty / commendation
    occurred_on: date
    company_name: str
    estate_name: str  # "" when the record names no estate
    title: str
    points: Decimal | None  # signed, as counted in the credit (the rules' value if none entered)


def records_in_period(session: Session, office_id: uuid.UUID, period: Period,
                      region_code_prefix: str | None = None) -> list[CreditEntry]:
    """The office's penalties and commendations dated in the period (withdrawn ones never), by
    date then company in pinyin order. For an area: the records of an estate in it, and those
    naming no estate of a company answering for an estate in it (as company credit counts them)."""
    query = (sa.select(CreditRecord, Company.name, Estate.name)
             .join(Company, Company.id == CreditRecord.company_id)
             .outerjoin(Estate, Estate.id == CreditRecord.estate_id)
             .where(CreditRecord.office_id == office_id, CreditRecord.deleted_at.is_(None),
                    CreditRecord.occurred_on >= period.start, CreditRecord.occurred_on < period.end)
             .order_by(CreditRecord.occurred_on, Company.name_pinyin, CreditRecord.id))
    if region_code_prefix:
        in_area = sa.select(Estate.company_id).where(
            Estate.office_id == office_id, Estate.deleted_at.is_(None),
            Estate.region_code.startswith(region_code_prefix, autoescape=True))
        query = query.where(sa.or_(
            Estate.region_code.startswith(region_code_prefix, autoescape=True),
            sa.and_(CreditRecord.estate_id.is_(None), CreditRecord.company_id.in_(in_area))))
    chosen = rules_in_force(session, office_id, period)
    entries = []
    for record, company_name, estate_name in session.execute(query):
        if chosen is not None:
            points: Decimal | None = record_points(chosen.rules, record)
        elif record.points is not None:
            points = abs(record.points) if record.kind == "commendation" else -abs(record.points)
        else:
            points = None
        entries.append(CreditEntry(record.kind, record.occurred_on, company_name, estate_name or "",
                                   record.title, points))
    return entries
