"""The demo city's complaints: one behind every complaint inspection the demo made (received the
day before the visit, replied and closed after it), so the complaint pages and the figures by
channel have something real to show. Called once by the demo builder; `rng` is its own stream."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.complaints.rules import reply_due_at
from server.domain.models import (
    Complaint,
    ComplaintStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Satisfaction,
)
from server.domain.rectification.deadlines import office_calendar

# Replies and closures come on working hours; most complainants are satisfied once it is fixed.
SATISFACTION_WEIGHTS = ((Satisfaction.SATISFIED, 0.7), (Satisfaction.BASICALLY, 0.22),
                        (Satisfaction.UNSATISFIED, 0.08))


def add_demo_complaints(session: Session, office_id: uuid.UUID, rng: random.Random, today: date,
                        person_name) -> int:
    """One complaint per finished complaint inspection of the office; those of the last week
    are still open (verified, not yet replied). Returns how many were added."""
    calendar = office_calendar(office_id)
    visits = session.scalars(sa.select(Inspection).where(
        Inspection.office_id == office_id, Inspection.kind == InspectionKind.COMPLAINT,
        Inspection.status == InspectionStatus.FINISHED).order_by(Inspection.id)).all()
    for n, visit in enumerate(visits, start=1):
        received = visit.started_at - timedelta(days=1, hours=rng.randint(0, 6))
        due = reply_due_at(office_id, visit.complaint_channel, received, calendar)
        complaint = Complaint(
            id=uuid.UUID(int=rng.getrandbits(128), version=4), office_id=office_id, estate_id=visit.estate_id,
            region_code=visit.region_code, channel=visit.complaint_channel, reference=f"DEMO-{n:04d}",
            received_at=received, due_at=due, text=visit.note.replace("，现场核查", ""),
            complainant_name=person_name(rng), complainant_phone=f"1390000{rng.randint(0, 9999):04d}",
            inspection_id=visit.id, status=ComplaintStatus.VERIFYING,
            created_at=received, updated_at=received)
        if visit.finished_at.date() < today - timedelta(days=7):
            # Most replies come a day or two after the visit; some after the deadline.
            replied = visit.finished_at + timedelta(days=rng.choice((0, 1, 1, 2, 6)))
            closed = replied + timedelta(days=1)
            satisfaction = rng.choices([s for s, _w in SATISFACTION_WEIGHTS],
                                       [w for _s, w in SATISFACTION_WEIGHTS])[0]
            complaint.reply = "经现场核查，已责令物业服务企业限期整改，整改情况已回访。"
            complaint.replied_at, complaint.closed_at = replied, closed
            complaint.status, complaint.satisfaction = ComplaintStatus.CLOSED, satisfaction
            complaint.updated_at = closed
        session.add(complaint)
    session.flush()
    return len(visits)

