"""Who and what a plan may draw from: the filtered estate pool, the inspectors, the exclusions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from server.domain.assessment import star_ratings
from server.domain.models import (
    Estate,
    Inspection,
    InspectionStatus,
    ManagementType,
    Recusal,
    Region,
    Role,
    User,
    inspection_inspector,
)
from server.domain.periods import Period
from server.extensions import db

# Why an inspector may not go to an estate (stored with the plan, shown on its page).
RECUSED, LAST_TIME, OUT_OF_AREA = "recused", "last_time", "out_of_area"
EXCLUSION_LABELS = {RECUSED: "回避", LAST_TIME: "上次检查过该小区", OUT_OF_AREA: "不在其负责区域"}


@dataclass
class PoolFilters:
    """The user's choice of which estates may be drawn."""

    region_code_prefix: str = ""
    management_types: list[ManagementType] = field(default_factory=list)
    company_ids: list[uuid.UUID] = field(default_factory=list)
    not_inspected_since: date | None = None
    # A star band (星级) by the office's star rules over a period, e.g. 1–2 stars in "2026-Q3";
    # an estate with no score in that period has no stars and is left out when a band is asked.
    star_period: Period | None = None
    min_stars: int = 0
    max_stars: int = 5

    def as_record(self) -> dict:
        since = self.not_inspected_since
        return {"region_code_prefix": self.region_code_prefix,
                "star_period": self.star_period.key if self.star_period else None,
                "min_stars": self.min_stars, "max_stars": self.max_stars,
                "management_types": [m.value for m in self.management_types],
                "company_ids": [str(c) for c in self.company_ids],
                "not_inspected_since": since.isoformat() if since else None}


def estate_pool(office_id: uuid.UUID, filters: PoolFilters) -> list[Estate]:
    query = sa.select(Estate).where(Estate.office_id == office_id, Estate.deleted_at.is_(None))
    if filters.region_code_prefix:
        query = query.where(Estate.region_code.startswith(filters.region_code_prefix))
    if filters.management_types:
        query = query.where(Estate.management_type.in_(filters.management_types))
    if filters.company_ids:
        query = query.where(Estate.company_id.in_(filters.company_ids))
    if filters.not_inspected_since:
        since = datetime.combine(filters.not_inspected_since, datetime.min.time())
        visited = sa.select(Inspection.estate_id).where(
            Inspection.office_id == office_id, Inspection.status == InspectionStatus.FINISHED,
            Inspection.finished_at >= since)
        query = query.where(Estate.id.not_in(visited))
    estates = list(db.session.scalars(query.order_by(Estate.id)))
    if filters.star_period is not None:
        ratings = star_ratings(db.session, office_id, filters.star_period, filters.region_code_prefix or None)
        banded = {r.estate_id for r in ratings if filters.min_stars <= r.stars <= filters.max_stars}
        estates = [e for e in estates if e.id in banded]
    return estates


def inspector_pool(office_id: uuid.UUID) -> list[User]:
    """Active inspectors of the office (supervisors lead; the double-random pairs are inspectors)."""
    return list(db.session.scalars(
        sa.select(User).where(User.office_id == office_id, User.role == Role.INSPECTOR, User.active)
        .order_by(User.id)))


def exclusions_for(office_id: uuid.UUID, estates: list[Estate],
                   inspectors: list[User]) -> dict[str, dict[str, str]]:
    """{estate_id: {inspector_id: reason}} for every pairing the rules forbid."""
    out: dict[str, dict[str, str]] = {}
    region_codes = {r.id: r.code for r in db.session.scalars(
        sa.select(Region).where(Region.office_id == office_id))}
    by_estate = {e.id: e for e in estates}
    pool_ids = {u.id for u in inspectors}

    def bar(estate_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> None:
        if user_id in pool_ids:
            # The first reason found is kept; recusal is looked at first and says the most.
            out.setdefault(str(estate_id), {}).setdefault(str(user_id), reason)

    # Plain tuples and indexes: a large city has thousands of estates and dozens of inspectors.
    places = [(e.id, e.company_id, e.region_code) for e in estates]
    by_company: dict[uuid.UUID, list[uuid.UUID]] = {}
    for estate_id, company_id, _code in places:
        if company_id is not None:
            by_company.setdefault(company_id, []).append(estate_id)
    recusals = db.session.execute(sa.select(Recusal.inspector_id, Recusal.estate_id, Recusal.company_id)
                                  .where(Recusal.office_id == office_id))
    for inspector_id, estate_id, company_id in recusals:
        targets = [estate_id] if estate_id in by_estate else by_company.get(company_id, [])
        for target in targets:
            bar(target, inspector_id, RECUSED)
    for estate_id, user_ids in last_inspectors(list(by_estate)).items():
        for user_id in user_ids:
            bar(estate_id, user_id, LAST_TIME)
    for user in inspectors:
        # An inspector's tablet only syncs estates of their own area.
        code = region_codes.get(user.region_id) if user.region_id else None
        if code:
            for estate_id, _company, region_code in places:
                if not region_code.startswith(code):
                    bar(estate_id, user.id, OUT_OF_AREA)
    return out


def last_inspectors(estate_ids: list[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """The inspectors of each estate's latest finished inspection."""
    if not estate_ids:
        return {}
    latest = (sa.select(Inspection.estate_id, sa.func.max(Inspection.finished_at).label("at"))
              .where(Inspection.estate_id.in_(estate_ids), Inspection.status == InspectionStatus.FINISHED)
              .group_by(Inspection.estate_id).subquery())
    # One query for every pair: the link table joined to each estate's latest finished visit.
    rows = db.session.execute(
        sa.select(Inspection.estate_id, inspection_inspector.c.user_id)
        .join(latest, sa.and_(Inspection.estate_id == latest.c.estate_id,
                              Inspection.finished_at == latest.c.at))
        .join(inspection_inspector, inspection_inspector.c.inspection_id == Inspection.id)
        .where(Inspection.status == InspectionStatus.FINISHED))
    out: dict[uuid.UUID, set[uuid.UUID]] = {}
    for estate_id, user_id in rows:
        out.setdefault(estate_id, set()).add(user_id)
    return out
