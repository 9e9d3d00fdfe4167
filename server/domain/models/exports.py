"""Exports that run in the background (导出任务): queued by a page, run by the scheduler."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.domain.models.base import IdMixin, TimestampMixin
from server.extensions import db


class ExportJob(IdMixin, TimestampMixin, db.Model):
    """One export: who asked, for what (kind + the page's filters), and how far it got.

    A worker claims a queued job with a lease (`claimed_until`); a worker that dies leaves the
    lease to run out and another takes the job up again, so no export is lost with a process."""

    __tablename__ = "export_job"
    __table_args__ = (sa.Index("ix_export_job_status_created", "status", "created_at"),)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # "ledger"
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # the page's URL arguments
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")  # queued/running/done/failed
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str] = mapped_column(sa.String(200), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    claimed_until: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
