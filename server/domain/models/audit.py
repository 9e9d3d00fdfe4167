"""The audit log: who changed what, when."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.domain.models.base import IdMixin, utcnow
from server.extensions import db


class AuditEntry(IdMixin, db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_entity", "entity", "entity_id"),)
    office_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("office.id"), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    action: Mapped[str] = mapped_column(sa.String(50))
    entity: Mapped[str] = mapped_column(sa.String(50))
    entity_id: Mapped[str] = mapped_column(sa.String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
