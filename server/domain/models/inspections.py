"""Inspections and their answers, as recorded on a tablet."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import MergeableMixin, ScopedMixin, SyncMixin, enum_column
from server.domain.models.enums import (
    AnswerResult,
    ComplaintChannel,
    InspectionKind,
    InspectionStatus,
)
from server.extensions import db

inspection_inspector = sa.Table(
    "inspection_inspector",
    db.metadata,
    sa.Column("inspection_id", sa.ForeignKey("inspection.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user_account.id"), primary_key=True, index=True),
)


class Inspection(ScopedMixin, SyncMixin, MergeableMixin, db.Model):
    __tablename__ = "inspection"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id"), index=True)
    template_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("checklist_template.id"), index=True
    )
    kind: Mapped[InspectionKind] = mapped_column(enum_column(InspectionKind))
    status: Mapped[InspectionStatus] = mapped_column(
        enum_column(InspectionStatus), default=InspectionStatus.PLANNED
    )
    complaint_channel: Mapped[ComplaintChannel | None] = mapped_column(
        enum_column(ComplaintChannel)
    )
    planned_for: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    max_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 2))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    estate = relationship("Estate")
    template = relationship("ChecklistTemplate")
    inspectors = relationship("User", secondary=inspection_inspector)
    answers: Mapped[list[Answer]] = relationship(back_populates="inspection")

    @property
    def inspector_ids(self) -> list[uuid.UUID]:
        return sorted(user.id for user in self.inspectors)


class Answer(ScopedMixin, SyncMixin, MergeableMixin, db.Model):
    """One checklist item's result in one inspection."""

    __tablename__ = "answer"
    __table_args__ = (sa.UniqueConstraint("inspection_id", "item_id"),)
    inspection_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("inspection.id"), index=True)
    item_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("checklist_item.id"), index=True)
    result: Mapped[AnswerResult] = mapped_column(enum_column(AnswerResult))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None]

    inspection: Mapped[Inspection] = relationship(back_populates="answers")
    item = relationship("ChecklistItem")
