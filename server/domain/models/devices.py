"""Paired tablets and the bookkeeping of their syncs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import IdMixin, TimestampMixin, utcnow
from server.extensions import db


class Device(IdMixin, TimestampMixin, db.Model):
    """A tablet paired to one user. Only a hash of its token is kept."""

    __tablename__ = "device"
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    schema_version: Mapped[int] = mapped_column(default=0)
    app_version: Mapped[str] = mapped_column(sa.String(30), default="")
    last_seen_at: Mapped[datetime | None]
    last_pull_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # The scope the device was last fed; a change forces a fresh bootstrap.
    scope_key: Mapped[str] = mapped_column(sa.String(200), default="")
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class PairingCode(IdMixin, db.Model):
    """A one-time code shown on the dashboard to pair a tablet without typing a password."""

    __tablename__ = "pairing_code"
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class SyncBatch(db.Model):
    """A push batch already applied, with the reply that was sent: a replay gets the same reply."""

    __tablename__ = "sync_batch"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("device.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    record_count: Mapped[int] = mapped_column(default=0)
    reply: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class ScopeExit(db.Model):
    """A row that left a region (moved or deleted for good): pulls turn it into a tombstone
    for the devices whose scope held the old region."""

    __tablename__ = "scope_exit"
    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    server_seq: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    record_id: Mapped[str] = mapped_column(sa.String(64))
    old_region_code: Mapped[str] = mapped_column(sa.String(12))


class SyncConflict(IdMixin, db.Model):
    """A conflict met while merging a push, kept for supervisors to review."""

    __tablename__ = "sync_conflict"
    office_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("office.id"), index=True)
    device_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("device.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    record_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    reason: Mapped[str] = mapped_column(sa.String(50))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class AppliedAction(db.Model):
    """A finding action proposed by a tablet and already decided: a replay gets the same outcome."""

    __tablename__ = "applied_action"
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    finding_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("finding.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(30))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
