"""Complaints (投诉): what a resident reported, through which channel, and how it was handled."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import IdMixin, TimestampMixin, enum_column
from server.domain.models.enums import ComplaintChannel
from server.extensions import db


class ComplaintStatus(enum.StrEnum):
    RECEIVED = "received"  # 已受理
    VERIFYING = "verifying"  # 核查中: a verification task is out on a tablet
    REPLIED = "replied"  # 已答复
    CLOSED = "closed"  # 已办结


class Satisfaction(enum.StrEnum):
    SATISFIED = "satisfied"  # 满意
    BASICALLY = "basically"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


class Complaint(IdMixin, TimestampMixin, db.Model):
    """One complaint. The complainant's name and phone are for office staff only: company pages,
    public pages and tablets never get them."""

    __tablename__ = "complaint"
    __table_args__ = (sa.Index("ix_complaint_office_reference", "office_id", "reference"),)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id"), index=True)
    # The estate's community code, so a supervisor's area is a prefix filter as elsewhere.
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True)
    channel: Mapped[ComplaintChannel] = mapped_column(enum_column(ComplaintChannel))
    reference: Mapped[str] = mapped_column(sa.String(40), default="")  # e.g. the 12345 ticket number
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(sa.Text)
    complainant_name: Mapped[str] = mapped_column(sa.String(50), default="")
    complainant_phone: Mapped[str] = mapped_column(sa.String(30), default="")
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_column(ComplaintStatus), default=ComplaintStatus.RECEIVED)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    finding_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    reply: Mapped[str] = mapped_column(sa.Text, default="")
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    estate = relationship("Estate")
    inspection = relationship("Inspection")
    finding = relationship("Finding")

    def is_overdue(self, now: datetime) -> bool:
        """Past its deadline without a reply (a late reply stays late: see `replied_on_time`)."""
        return self.replied_at is None and self.status != ComplaintStatus.CLOSED and now > self.due_at

    @property
    def replied_on_time(self) -> bool:
        return self.replied_at is not None and self.replied_at <= self.due_at
