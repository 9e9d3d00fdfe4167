"""一公开: the results of published double-random plans, for anyone, without a login.

Only places and results appear: no inspector, no complainant, no resident, no photo."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template

from server.domain.models import InspectionPlan, Office, PlanStatus
from server.domain.random_plans import public_results
from server.extensions import db
from server.web import bp
from server.web.helpers import get_or_404


def _published() -> sa.Select:
    return sa.select(InspectionPlan).where(InspectionPlan.published.is_(True),
                                           InspectionPlan.status == PlanStatus.CONFIRMED)


@bp.get("/public/plans")
def public_plans():
    """双随机抽查结果公开: every published plan, newest visit day first."""
    plans = db.session.scalars(_published().order_by(InspectionPlan.planned_for.desc()).limit(200)).all()
    offices = {o.id: o.name for o in db.session.scalars(sa.select(Office))} if plans else {}
    return render_template("web/plans/public_list.html", plans=plans, offices=offices)


@bp.get("/public/plans/<plan_id>")
def public_plan(plan_id: str):
    plan = get_or_404(InspectionPlan, plan_id)
    if not plan.published or plan.status != PlanStatus.CONFIRMED:
        abort(404)
    office = db.session.get(Office, plan.office_id)
    return render_template("web/plans/public_plan.html", plan=plan, office=office,
                           results=public_results(db.session, plan))
