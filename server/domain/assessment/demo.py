"""The demo city's assessment: the template rules published from a year back, one commendation and
one penalty, and last month recorded and published, so the assessment and public pages have
something to show from the first login."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.assessment import rules as assessment_rules
from server.domain.assessment.runs import record_run
from server.domain.models import Company, CreditRecord, Role, User
from server.domain.periods import Period


def add_demo_assessment(session: Session, office_id: uuid.UUID, today: date) -> int:
    """Returns the number of rule versions published (1, or 0 when the office has no admin)."""
    admin = session.scalar(sa.select(User).where(User.office_id == office_id, User.role == Role.ADMIN)
                           .order_by(User.username).limit(1))
    if admin is None:
        return 0
    assessment_rules.save_draft(session, office_id, assessment_rules.template_rules(), "演示城市考核细则")
    version = assessment_rules.publish_draft(session, office_id, date(today.year - 1, today.month, 1), admin)
    companies = session.scalars(sa.select(Company).where(Company.office_id == office_id)
                                .order_by(Company.credit_code).limit(2)).all()
    last_month = Period.containing("month", today).previous()
    for company, kind, title in zip(companies, ("commendation", "penalty"),
                                    ("物业服务示范项目", "拒不整改通报批评"), strict=False):
        session.add(CreditRecord(office_id=office_id, company_id=company.id, kind=kind,
                                 occurred_on=last_month.start.replace(day=15), title=title,
                                 created_by_id=admin.id))
    record_run(session, office_id, last_month, version, admin, published=True, note="演示数据")
    session.flush()
    return 1
