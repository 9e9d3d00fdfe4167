"""Versioned checklist templates: template → sections → items."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import SyncMixin, enum_column
from server.domain.models.enums import Severity, TemplateStatus
from server.extensions import db


class ChecklistTemplate(SyncMixin, db.Model):
    """One version of a checklist. `family` ties the versions of one standard together;
    a published version never changes, a new version starts as a draft copy."""

    __tablename__ = "checklist_template"
    __table_args__ = (sa.UniqueConstraint("office_id", "family", "version"),)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    family: Mapped[str] = mapped_column(sa.String(50))
    version: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[TemplateStatus] = mapped_column(
        enum_column(TemplateStatus), default=TemplateStatus.DRAFT
    )
    published_at: Mapped[datetime | None]

    sections: Mapped[list[ChecklistSection]] = relationship(
        back_populates="template", order_by="ChecklistSection.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status != TemplateStatus.DRAFT

    @property
    def items(self) -> list[ChecklistItem]:
        return [item for section in self.sections for item in section.items]


class ChecklistSection(SyncMixin, db.Model):
    __tablename__ = "checklist_section"
    template_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("checklist_template.id"), index=True
    )
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(100))

    template: Mapped[ChecklistTemplate] = relationship(back_populates="sections")
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="section", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )


class ChecklistItem(SyncMixin, db.Model):
    __tablename__ = "checklist_item"
    section_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("checklist_section.id"), index=True)
    position: Mapped[int]
    code: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(50))  # the problem category a failure files
    points: Mapped[int]
    default_severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    rectification_days: Mapped[int]
    photo_required_on_fail: Mapped[bool] = mapped_column(default=True)
    # 检查指引: how to check the item on site, shown to the inspector beside it.
    guidance: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    section: Mapped[ChecklistSection] = relationship(back_populates="items")
