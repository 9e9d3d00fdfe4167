"""The rectification loop: notices, company replies, revisits, escalations, reminders."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import (
    IdMixin,
    MergeableMixin,
    ScopedMixin,
    SyncMixin,
    TimestampMixin,
    enum_column,
)
from server.domain.models.enums import (
    Channel,
    EscalationKind,
    NoticeStatus,
    RectificationStatus,
    ReminderKind,
    RevisitResult,
    RevisitStatus,
)
from server.extensions import db


class NoticeSequence(db.Model):
    """The last notice number handed out per office and year; numbers are never reused."""

    __tablename__ = "notice_sequence"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Notice(ScopedMixin, SyncMixin, db.Model):
    """整改通知书: a numbered notice to a company listing an estate's findings."""

    __tablename__ = "notice"
    __table_args__ = (sa.UniqueConstraint("office_id", "year", "number"),)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id"), index=True)
    company_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("company.id"), index=True)
    year: Mapped[int]
    number: Mapped[int]
    status: Mapped[NoticeStatus] = mapped_column(
        enum_column(NoticeStatus), default=NoticeStatus.ISSUED
    )
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    # How the deadlines were counted: "calendar" (自然日) or "working" (工作日).
    day_kind: Mapped[str] = mapped_column(sa.String(10), default="calendar")
    # 撤销: a cancelled notice keeps its number (never reused), who cancelled it and why, and
    # what it listed — its findings went back to the open ledger and may be on a newer notice
    # now, so the list is kept here: [{"finding_id", "due_at", "status"}] as they were.
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    cancelled_items: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)

    estate = relationship("Estate")
    company = relationship("Company")
    findings = relationship("Finding", back_populates="notice")

    @property
    def label(self) -> str:
        return f"〔{self.year}〕第{self.number:04d}号"


class Rectification(ScopedMixin, SyncMixin, MergeableMixin, db.Model):
    """整改反馈: a company's report (or a tablet's proposal) that a finding was fixed."""

    __tablename__ = "rectification"
    finding_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    reported_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    reported_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[RectificationStatus] = mapped_column(
        enum_column(RectificationStatus), default=RectificationStatus.SUBMITTED
    )

    finding = relationship("Finding")


class Revisit(ScopedMixin, SyncMixin, MergeableMixin, db.Model):
    """回头看: an inspector's follow-up visit that verifies a fix."""

    __tablename__ = "revisit"
    __table_args__ = (sa.Index("ix_revisit_inspector_status", "inspector_id", "status"),)
    finding_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    inspector_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    due_at: Mapped[datetime | None]
    status: Mapped[RevisitStatus] = mapped_column(
        enum_column(RevisitStatus), default=RevisitStatus.PENDING
    )
    result: Mapped[RevisitResult | None] = mapped_column(enum_column(RevisitResult))
    done_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # Why the task exists: "reported" (the company reported a fix) or "deadline" (it passed).
    trigger: Mapped[str] = mapped_column(sa.String(20), default="reported")
    # Who recorded the result: often not the assigned inspector (a supervisor on the web).
    done_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    finding = relationship("Finding")
    inspector = relationship("User", foreign_keys="Revisit.inspector_id")


class Escalation(IdMixin, TimestampMixin, db.Model):
    """督办 / 约谈 / 行政处罚 against a company for a finding it did not rectify."""

    __tablename__ = "escalation"
    finding_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    company_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("company.id"), index=True)
    kind: Mapped[EscalationKind] = mapped_column(enum_column(EscalationKind))
    decided_at: Mapped[datetime]
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    credit_points: Mapped[int] = mapped_column(default=0)  # deducted from the company's credit
    note: Mapped[str] = mapped_column(sa.Text, default="")


class Reminder(IdMixin, TimestampMixin, db.Model):
    """One message due about one finding to one recipient on one channel.

    The unique key makes "sent exactly once" a database fact: a second scheduler that plans
    the same reminder collides instead of sending it again.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        sa.UniqueConstraint("finding_id", "recipient_id", "channel", "kind", "scheduled_at"),
        sa.Index("ix_reminder_pending", "sent_at", "scheduled_at"),
        # The delivery queue: only unsent, uncancelled rows are in this index, so a scheduler
        # tick costs the same whether the table holds a thousand reminders or ten million.
        sa.Index(
            "ix_reminder_queue", "next_attempt_at",
            postgresql_where=sa.text("sent_at IS NULL AND cancelled_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL AND cancelled_at IS NULL"),
        ),
    )
    finding_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    recipient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind))
    scheduled_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    # When a worker may next try: scheduled_at at first, pushed forward by a claim (a lease, so
    # a crashed worker's claim runs out) and by the back-off after a failed delivery.
    next_attempt_at: Mapped[datetime | None] = mapped_column(
        default=lambda context: context.get_current_parameters()["scheduled_at"]
    )
    claim_token: Mapped[str | None] = mapped_column(sa.String(36))
    # Set when the finding no longer needs the message (fixed, closed); a cancelled reminder is
    # kept, visible, never silently deleted.
    cancelled_at: Mapped[datetime | None]
    # A revisit reminder names its revisit (reassigning or finishing it moves or cancels them);
    # an event names the notice it is about. Events are written when they happen, with their
    # subject and body, so the message tells what happened then (a refusal's note, say).
    revisit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("revisit.id"), index=True)
    notice_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("notice.id"), index=True)


class WorkCalendarDay(db.Model):
    """An office's own exception to the official calendar: a local holiday, or a make-up
    working day (调休) the official calendar does not know yet."""

    __tablename__ = "work_calendar_day"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str] = mapped_column(sa.String(50), default="")
