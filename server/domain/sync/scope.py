"""What one user may see: the regions under the user's region, inside the user's office."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from server.domain.models import Region, Role, User
from server.domain.rectification.access import region_prefix
from server.extensions import db


@dataclass(frozen=True)
class Scope:
    office_id: uuid.UUID
    region_prefix: str  # every scoped row's region_code starts with it

    @property
    def key(self) -> str:
        return f"{self.office_id}:{self.region_prefix}"

    def holds(self, region_code: str | None) -> bool:
        return bool(region_code) and region_code.startswith(self.region_prefix)

    def region_filter(self, column: sa.ColumnElement) -> sa.ColumnElement[bool]:
        # LIKE 'prefix%' uses the region_code index (varchar_pattern_ops is not needed for
        # a C-collated or SQLite database; see docs/sync-protocol.md for PostgreSQL set-up).
        return column.like(self.region_prefix + "%")


class OutOfScope(Exception):
    pass


def scope_for(user: User) -> Scope:
    """A user with a region sees its subtree; one without sees the whole office."""
    if user.role == Role.COMPANY:
        raise OutOfScope("company accounts do not sync tablets")
    prefix = region_prefix(user)
    if prefix is not None:
        return Scope(user.office_id, prefix)
    root = db.session.scalar(
        sa.select(Region.code).where(Region.office_id == user.office_id, Region.parent_id.is_(None))
        .order_by(Region.code).limit(1)
    )
    return Scope(user.office_id, root or "")
