"""The figures of double-random work in a period (for bulletins) and a plan's public results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.models import (
    Estate,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionStatus,
    PlanEntry,
    PlanStatus,
)
from server.domain.periods import Period


@dataclass(frozen=True)
class PlanFigures:
    plans_drawn: int  # confirmed plans whose visit day falls in the period
    estates_drawn: int
    inspected: int  # drawn visits finished
    findings: int  # problems those visits found


def plan_figures(session: Session, office_id: uuid.UUID, period: Period) -> PlanFigures:
    plans = (sa.select(InspectionPlan.id).where(
        InspectionPlan.office_id == office_id, InspectionPlan.status == PlanStatus.CONFIRMED,
        InspectionPlan.planned_for >= period.start, InspectionPlan.planned_for < period.end))
    plan_ids = list(session.scalars(plans))
    if not plan_ids:
        return PlanFigures(0, 0, 0, 0)
    inspection_ids = sa.select(PlanEntry.inspection_id).where(PlanEntry.plan_id.in_(plan_ids))
    estates = session.scalar(sa.select(sa.func.count()).where(PlanEntry.plan_id.in_(plan_ids)))
    inspected = session.scalar(sa.select(sa.func.count()).select_from(Inspection).where(
        Inspection.id.in_(inspection_ids), Inspection.status == InspectionStatus.FINISHED))
    findings = session.scalar(sa.select(sa.func.count()).select_from(Finding).where(
        Finding.inspection_id.in_(inspection_ids), Finding.deleted_at.is_(None)))
    return PlanFigures(len(plan_ids), estates or 0, inspected or 0, findings or 0)


@dataclass(frozen=True)
class PublicResult:
    """One drawn estate as the public sees it: no people, only places and results."""

    position: int
    estate_name: str
    place: str  # street and community
    planned_for: date
    status: InspectionStatus | None
    score: Decimal | None
    max_score: Decimal | None
    findings: int
    rectified: int


def public_results(session: Session, plan: InspectionPlan) -> list[PublicResult]:
    out = []
    for entry in plan.entries:
        estate: Estate = entry.estate
        visit: Inspection | None = entry.inspection
        found = rectified = 0
        if visit is not None:
            rows = session.execute(sa.select(Finding.status).where(
                Finding.inspection_id == visit.id, Finding.deleted_at.is_(None))).scalars().all()
            found = len(rows)
            rectified = sum(1 for status in rows if status.value == "closed")
        out.append(PublicResult(entry.position, estate.name, _place_name(estate), plan.planned_for,
                                visit.status if visit else None,
                                visit.score if visit and visit.status == InspectionStatus.FINISHED else None,
                                visit.max_score if visit else None, found, rectified))
    return out


def _place_name(estate: Estate) -> str:
    region = estate.region
    names = []
    while region is not None:
        names.append(region.name)
        region = region.parent
    # community ← street ← district ← city: the public sees street and community.
    return " ".join(reversed(names[:2]))
