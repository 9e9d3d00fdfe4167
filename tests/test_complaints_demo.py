"""The demo city's complaints: one behind each complaint inspection, recent ones still open, the
rest replied and closed, every deadline from its channel's rule; the same seed, the same rows."""

from __future__ import annotations

import sqlalchemy as sa

from server.domain.complaints import complaints_by_channel, reply_due_at
from server.domain.models import Complaint, ComplaintStatus, Inspection, InspectionKind
from server.domain.periods import Period
from server.extensions import db
from tests.test_demo_city import TODAY, city  # noqa: F401 - the module's demo city fixture


def test_every_complaint_visit_has_its_complaint_and_figures(city):  # noqa: F811
    visits = db.session.scalars(
        sa.select(Inspection).where(Inspection.kind == InspectionKind.COMPLAINT)
    ).all()
    complaints = db.session.scalars(sa.select(Complaint)).all()
    assert visits and sorted(c.inspection_id for c in complaints) == sorted(v.id for v in visits)
    by_visit = {v.id: v for v in visits}
    for complaint in complaints:
        visit = by_visit[complaint.inspection_id]
        assert complaint.channel == visit.complaint_channel and complaint.received_at < visit.started_at
        assert complaint.due_at == reply_due_at(complaint.office_id, complaint.channel, complaint.received_at)
        assert complaint.complainant_name and complaint.complainant_phone.startswith("1390000")
        if complaint.status == ComplaintStatus.CLOSED:
            assert complaint.replied_at < complaint.closed_at and complaint.satisfaction is not None
        else:
            assert complaint.status == ComplaintStatus.VERIFYING and complaint.reply == ""
    assert {c.status for c in complaints} == {ComplaintStatus.CLOSED, ComplaintStatus.VERIFYING}
    office_id = complaints[0].office_id
    month = Period.month(TODAY.year, TODAY.month).previous()
    rows = complaints_by_channel(db.session, office_id, month)
    in_month = [c for c in complaints if month.start_naive_utc <= c.received_at < month.end_naive_utc]
    assert sum(r.received for r in rows) == len(in_month)
    assert sum(r.resolved for r in rows) == sum(c.status == ComplaintStatus.CLOSED for c in in_month)


def test_the_demo_city_has_a_draft_plan_that_verifies(city):  # noqa: F811
    from server.domain.models import InspectionPlan, PlanStatus
    from server.domain.random_plans import verify_plan

    [plan] = db.session.scalars(sa.select(InspectionPlan)).all()
    assert plan.status == PlanStatus.DRAFT and plan.seed == "lanjiang-demo" and len(plan.entries) == 8
    assert verify_plan(plan).matches
