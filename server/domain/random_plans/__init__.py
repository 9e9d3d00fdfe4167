"""双随机一公开: plans drawn by chance from a recorded seed, their inspections and public results."""

from server.domain.random_plans.draw import ALGORITHM, DrawError, DrawnEntry, draw_plan
from server.domain.random_plans.figures import PlanFigures, PublicResult, plan_figures, public_results
from server.domain.random_plans.plans import (
    Verification,
    cancel_plan,
    confirm_plan,
    draw_new_plan,
    record_recusal,
    redraw,
    set_plan_published,
    verify_plan,
)
from server.domain.random_plans.pool import EXCLUSION_LABELS, PoolFilters

__all__ = ["ALGORITHM", "EXCLUSION_LABELS", "DrawError", "DrawnEntry", "PlanFigures", "PoolFilters",
           "PublicResult", "Verification", "cancel_plan", "confirm_plan", "draw_new_plan", "draw_plan",
           "plan_figures", "public_results", "record_recusal", "redraw", "set_plan_published", "verify_plan"]
