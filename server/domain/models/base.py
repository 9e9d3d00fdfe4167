"""Column helpers and mixins shared by every model."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


def utcnow() -> datetime:
    """Naive UTC, the one time representation stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def enum_column(enum_cls: type[enum.Enum], **kwargs) -> sa.Enum:
    """A portable VARCHAR enum storing the member values (not names)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        **kwargs,
    )


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SyncMixin(IdMixin, TimestampMixin):
    """Bookkeeping of every row a tablet can create or must receive.

    The id is made by the client (a UUID); `server_seq` is the server's change sequence at the
    row's last change, so a pull can ask for everything after a cursor; `deleted_at` turns a
    deletion into a tombstone that still syncs.
    """

    server_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0, index=True)
    deleted_at: Mapped[datetime | None]


class ScopedMixin:
    """The community code of the estate a row belongs to, copied onto the row so that a
    scoped pull (`region_code LIKE '3205%'`) filters on an index without joins."""

    # active_history: the old code must be known at flush even if it was never loaded, so a
    # move out of a region can leave a tombstone behind.
    region_code: Mapped[str] = mapped_column(sa.String(12), index=True, active_history=True)


class MergeableMixin:
    """Rows whose free fields a tablet may edit offline: each field keeps the hybrid logical
    clock of its last accepted write, so concurrent edits merge field by field."""

    field_clocks: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)


class ChangeCounter(db.Model):
    """One row holding the last change sequence handed out.

    Taking the next numbers is an UPDATE of this row, so on PostgreSQL the row lock orders
    writers: a change with a higher sequence can never commit before a lower one, and a pull
    after a cursor never skips a change that commits late.
    """

    __tablename__ = "change_counter"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


# The counter's one row exists from the moment the table does, so writers only ever UPDATE it.
sa.event.listen(
    ChangeCounter.__table__,
    "after_create",
    sa.DDL("INSERT INTO change_counter (id, value) VALUES (1, 0)"),
)
