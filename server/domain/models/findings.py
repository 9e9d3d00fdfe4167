"""Findings (问题) and the photos that prove them."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import MergeableMixin, ScopedMixin, SyncMixin, TimestampMixin, enum_column
from server.domain.models.enums import FindingStatus, PhotoRole, Severity
from server.extensions import db


def _only_filled(column: str) -> dict[str, sa.TextClause]:
    """A partial index's condition, on both databases: the rows where `column` has a value."""
    condition = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": condition, "sqlite_where": condition}


class Finding(ScopedMixin, SyncMixin, MergeableMixin, db.Model):
    __tablename__ = "finding"
    __table_args__ = (
        sa.Index("ix_finding_status_due_at", "status", "due_at"),
        # The dashboard. Newest first by keyset (the ledger) and this year's findings (the
        # overview's rates); the open findings by status (the overview's groups). On PostgreSQL
        # each also carries the columns those queries read, so they are index-only scans.
        sa.Index("ix_finding_office_found", "office_id", "found_at", "id",
                 postgresql_include=["status", "closed_at", "due_at", "region_code", "deleted_at"]),
        sa.Index("ix_finding_office_status", "office_id", "status",
                 postgresql_include=["region_code", "category", "due_at", "deleted_at"]),
        # Columns a new finding leaves empty: their indexes hold only the rows that have a
        # value (every query on them names a value), so a push of new findings writes three
        # indexes fewer. The office's own index is the first column of the two above.
        sa.Index("ix_finding_closed_at", "closed_at",
                 postgresql_include=["office_id", "region_code", "deleted_at"],
                 **_only_filled("closed_at")),
        sa.Index("ix_finding_notice_id", "notice_id", **_only_filled("notice_id")),
        sa.Index("ix_finding_next_escalation_at", "next_escalation_at",
                 **_only_filled("next_escalation_at")),
    )
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"))
    estate_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("estate.id"), index=True)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("inspection.id"), index=True
    )
    item_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("checklist_item.id"))
    notice_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("notice.id"))
    category: Mapped[str] = mapped_column(sa.String(50))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    location: Mapped[str] = mapped_column(sa.String(100), default="")  # building / entrance
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[FindingStatus] = mapped_column(
        enum_column(FindingStatus), default=FindingStatus.OPEN
    )
    found_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reported_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # The escalation ladder (督办 → 约谈 → 行政处罚): how many steps were taken, and when the
    # next one falls due, so the scheduler finds due escalations on an index, not by scanning.
    escalation_step: Mapped[int] = mapped_column(default=0)
    next_escalation_at: Mapped[datetime | None]

    estate = relationship("Estate")
    inspection = relationship("Inspection")
    notice = relationship("Notice", back_populates="findings")
    photo_links: Mapped[list[PhotoLink]] = relationship(
        primaryjoin="and_(PhotoLink.finding_id == Finding.id)", viewonly=True
    )


class Photo(TimestampMixin, db.Model):
    """The bytes of one photo, addressed by their SHA-256 (hex)."""

    __tablename__ = "photo"
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(30), default="image/jpeg")
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    width: Mapped[int | None]
    height: Mapped[int | None]
    taken_at: Mapped[datetime | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # False until every byte has arrived and been checked as a real image.
    stored: Mapped[bool] = mapped_column(default=False)


class PhotoLink(ScopedMixin, SyncMixin, db.Model):
    """A photo attached to a finding, an answer, a company's reply or a revisit.

    Links are only ever added (photo sets only grow), so two tablets never lose each other's
    photos when they sync.
    """

    __tablename__ = "photo_link"
    photo_sha256: Mapped[str] = mapped_column(sa.ForeignKey("photo.sha256"), index=True)
    role: Mapped[PhotoRole] = mapped_column(enum_column(PhotoRole), default=PhotoRole.EVIDENCE)
    finding_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    answer_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("answer.id"), index=True)
    rectification_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("rectification.id"), index=True
    )
    revisit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("revisit.id"), index=True)
    caption: Mapped[str] = mapped_column(sa.String(200), default="")

    photo: Mapped[Photo] = relationship()

    # Capture metadata lives with the bytes; links show it so a tablet gets it with the link.
    @property
    def taken_at(self) -> datetime | None:
        return self.photo.taken_at if self.photo else None

    @property
    def latitude(self) -> float | None:
        return self.photo.latitude if self.photo else None

    @property
    def longitude(self) -> float | None:
        return self.photo.longitude if self.photo else None
