"""Estate changes that ripple through the rows that copy the estate's region code."""

from __future__ import annotations

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.models import (
    Answer,
    Estate,
    Finding,
    Inspection,
    Notice,
    PhotoLink,
    Rectification,
    Region,
    RegionLevel,
    Revisit,
    User,
)
from server.extensions import db


def move_estate(estate: Estate, community: Region, actor: User | None = None) -> Estate:
    """Put the estate in another community, with every row that carries its region code.

    Tablets of the old area receive tombstones, tablets of the new one the rows themselves
    (see ScopeExit in the change-sequence hook).
    """
    if community.level != RegionLevel.COMMUNITY or community.office_id != estate.office_id:
        raise ValueError("小区只能归属本单位的社区 (an estate belongs to a community of its office)")
    old_code = estate.region_code
    estate.region_id, estate.region_code = community.id, community.code
    findings = sa.select(Finding.id).where(Finding.estate_id == estate.id)
    inspections = sa.select(Inspection.id).where(Inspection.estate_id == estate.id)
    rectifications = sa.select(Rectification.id).where(Rectification.finding_id.in_(findings))
    revisits = sa.select(Revisit.id).where(Revisit.finding_id.in_(findings))
    answers = sa.select(Answer.id).where(Answer.inspection_id.in_(inspections))
    queries = (
        sa.select(Inspection).where(Inspection.estate_id == estate.id),
        sa.select(Answer).where(Answer.inspection_id.in_(inspections)),
        sa.select(Finding).where(Finding.estate_id == estate.id),
        sa.select(Notice).where(Notice.estate_id == estate.id),
        sa.select(Rectification).where(Rectification.id.in_(rectifications)),
        sa.select(Revisit).where(Revisit.id.in_(revisits)),
        sa.select(PhotoLink).where(
            PhotoLink.finding_id.in_(findings) | PhotoLink.answer_id.in_(answers)
            | PhotoLink.rectification_id.in_(rectifications) | PhotoLink.revisit_id.in_(revisits)
        ),
    )
    for query in queries:
        for row in db.session.scalars(query):
            row.region_code = community.code
    record_audit(actor, "move_estate", estate, {"from": old_code, "to": community.code})
    return estate
