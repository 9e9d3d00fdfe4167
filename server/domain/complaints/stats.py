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


def complaints_by_channel(session: Session, office_id: uuid.UUID, period: Period,
                          region_code_prefix: str | None = None) -> list[ChannelFigures]:
    """One row per channel, in the enum's order, counting complaints received in the period
    (their outcome as it stands now)."""
    start, end = period.start_naive_utc, period.end_naive_utc
    query = sa.select(Complaint.channel, Complaint.status, Complaint.replied_at, Complaint.due_at,
                      Complaint.satisfaction).where(
        Complaint.office_id == office_id, Complaint.received_at >= start, Complaint.received_at < end)
    if region_code_prefix:
        query = query.where(Complaint.region_code.startswith(region_code_prefix))
    counts = {c: [0, 0, 0, 0] for c in ComplaintChannel}
    for channel, status, replied_at, due_at, satisfaction in session.execute(query):
        row = counts[channel]
        row[0] += 1
        row[1] += status == ComplaintStatus.CLOSED
        row[2] += replied_at is not None and replied_at <= due_at
        row[3] += status == ComplaintStatus.CLOSED and satisfaction in (
            Satisfaction.SATISFIED, Satisfaction.BASICALLY)
    return [ChannelFigures(c, CHANNEL_LABELS[c], r[0], r[1], percent(r[1], r[0]), r[2], r[3])
            for c, r in counts.items()]
