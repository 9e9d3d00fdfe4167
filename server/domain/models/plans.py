"""Double-random plans (双随机一公开): recusals, plans drawn from a recorded seed, their draws."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import IdMixin, TimestampMixin, enum_column
from server.extensions import db


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # drawn, not yet turned into inspections; may be re-drawn or dropped
    CONFIRMED = "confirmed"  # its inspections exist; the draw is fixed for good
    CANCELLED = "cancelled"


class Recusal(IdMixin, TimestampMixin, db.Model):
    """回避: an inspector who must not inspect an estate, or any estate of a company."""

    __tablename__ = "recusal"
    __table_args__ = (
        sa.CheckConstraint("(estate_id IS NULL) <> (company_id IS NULL)", name="one_target"),
    )
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    inspector_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    estate_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("estate.id"), index=True)
    company_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("company.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    inspector = relationship("User", foreign_keys=[inspector_id])
    estate = relationship("Estate")
    company = relationship("Company")


class InspectionPlan(IdMixin, TimestampMixin, db.Model):
    """A plan drawn by chance. The seed, the pools and the exclusions are stored as they were at
    the draw, so anyone can run the same draw again and must get the same plan."""

    __tablename__ = "inspection_plan"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)
    seed: Mapped[str] = mapped_column(sa.String(40))
    algorithm: Mapped[str] = mapped_column(sa.String(20))
    estate_count: Mapped[int]
    planned_for: Mapped[date]
    template_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("checklist_template.id"))
    # The filters as the user chose them, for the plan page; the pools below are what they gave.
    filters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    estate_pool: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    inspector_pool: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # {estate_id: [inspector_id, ...]}: who may not go where (recused, or there last time).
    exclusions: Mapped[dict[str, list[str]]] = mapped_column(sa.JSON, default=dict)
    published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    entries: Mapped[list[PlanEntry]] = relationship(
        back_populates="plan", order_by="PlanEntry.position", cascade="all, delete-orphan")
    template = relationship("ChecklistTemplate")


class PlanEntry(IdMixin, db.Model):
    """One drawn estate of a plan with its inspector pair (and, once confirmed, its inspection)."""

    __tablename__ = "inspection_plan_entry"
    __table_args__ = (sa.UniqueConstraint("plan_id", "position"),)
    plan_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("inspection_plan.id"), index=True)
    position: Mapped[int]
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id"), index=True)
    inspector_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("inspection.id"), index=True)

    plan: Mapped[InspectionPlan] = relationship(back_populates="entries")
    estate = relationship("Estate")
    inspection = relationship("Inspection")
