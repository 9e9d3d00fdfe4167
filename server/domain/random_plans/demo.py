"""The demo city's double-random plan: a draft for next week over the whole city, drawn from a
fixed seed, so the plan pages have one to show (confirming it is left to whoever tries the demo:
it would put planned visits on the inspectors' tablets)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.models import Role, User
from server.domain.random_plans.plans import draw_new_plan
from server.domain.random_plans.pool import PoolFilters

DEMO_SEED = "lanjiang-demo"
DEMO_ESTATES = 8


def add_demo_plan(session: Session, office_id: uuid.UUID, today: date) -> int:
    """Draw the draft as the office's first admin; returns 1, or 0 when there is nobody to draw."""
    admin = session.scalar(sa.select(User).where(User.office_id == office_id, User.role == Role.ADMIN)
                           .order_by(User.username).limit(1))
    if admin is None:
        return 0
    visit_day = today + timedelta(days=7)
    draw_new_plan(admin, f"{visit_day.year}年{visit_day.month}月双随机抽查", DEMO_ESTATES, visit_day,
                  PoolFilters(), seed=DEMO_SEED, audit=False)
    return 1
