"""Complaint figures by channel for a period: received, resolved, on time, satisfied."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.domain.complaints.rules import CHANNEL_LABELS
from server.domain.models import Complaint, ComplaintChannel, ComplaintStatus, Satisfaction
from server.domain.periods import Period


@dataclass(frozen=True)
class ChannelFigures:
    channel: ComplaintChannel
    label_zh: str
    received: int  # complaints received in the period
    resolved: int  # of those, closed (办结)
    resolution_rate: Decimal | None  # resolved / received, percent with one decimal; None if none came
    on_time: int  # of those, replied by their deadline
    satisfied: int  # of those closed, 满意 or 基本满意

    @property
    def on_time_rate(self) -> Decimal | None:
        return percent(self.on_time, self.received)


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def received_in(period: Period) -> sa.ColumnElement[bool]:
    """受理: received in the period (its local days)."""
    return sa.and_(Complaint.received_at >= period.start_naive_utc,
                   Complaint.received_at < period.end_naive_utc)


RESOLVED = Complaint.status == ComplaintStatus.CLOSED
REPLIED_ON_TIME = sa.and_(Complaint.replied_at.is_not(None), Complaint.replied_at <= Complaint.due_at)
SATISFIED = sa.and_(RESOLVED, Complaint.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASICALLY]))
# The one definition of each complaint figure, beyond "received in the period": what the
# bulletin's 投诉按渠道 counts here and the rows its links list (bulletins.figures) both read it.
MEASURES: dict[str, sa.ColumnElement[bool] | None] = {
    "received": None, "resolved": RESOLVED, "on_time": REPLIED_ON_TIME, "satisfied": SATISFIED}


def measure_clauses(measure: str, period: Period) -> list[sa.ColumnElement[bool]]:
    """WHERE clauses of one figure (a MEASURES key) for the period; the caller adds the office
    and the area."""
    extra = MEASURES[measure]
    return [received_in(period)] + ([extra] if extra is not None else [])


def complaints_by_channel(session: Session, office_id: uuid.UUID, period: Period,
                          region_code_prefix: str | None = None) -> list[ChannelFigures]:
    """One row per channel, in the enum's order, counting complaints received in the period
    (their outcome as it stands now)."""
    sums = [sa.func.coalesce(sa.func.sum(sa.case((clause, 1), else_=0)), 0)
            for clause in MEASURES.values() if clause is not None]
    query = (sa.select(Complaint.channel, sa.func.count(), *sums)
             .where(Complaint.office_id == office_id, received_in(period)).group_by(Complaint.channel))
    if region_code_prefix:
        query = query.where(Complaint.region_code.startswith(region_code_prefix, autoescape=True))
    counts = {c: [0, 0, 0, 0] for c in ComplaintChannel}
    for channel, *numbers in session.execute(query):
        counts[ComplaintChannel(channel)] = [int(n) for n in numbers]
    return [ChannelFigures(c, CHANNEL_LABELS[c], r[0], r[1], percent(r[1], r[0]), r[2], r[3])
            for c, r in counts.items()]
