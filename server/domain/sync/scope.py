"""What one user may see: the regions under the user's region, inside the user's office."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa

from server.domain.models import Region, Role, User
from server.extensions import db


@dataclass(frozen=True)
class Scope:
    """The office first, then the region subtree inside it.

    A code prefix alone is not a scope: another office's codes may nest under this office's
    (a city office 3205 beside a district office 320505), and an office without regions has
    the empty prefix, which every code starts with. So a row is in scope only if its region
    code is one of this office's regions (codes are unique across offices) and starts with
    the prefix.
    """

    office_id: uuid.UUID
    region_prefix: str  # every scoped row's region_code starts with it

    @property
    def key(self) -> str:
        return f"{self.office_id}:{self.region_prefix}"

    @staticmethod
    def placeholder() -> Scope:
        """A scope whose office and prefix are the bound parameters `scope_office` and
        `scope_prefix` (see `parameters`): a statement built from it once serves every user."""
        return Scope(sa.bindparam("scope_office", type_=sa.Uuid),  # type: ignore[arg-type]
                     sa.bindparam("scope_prefix", type_=sa.String))  # type: ignore[arg-type]

    def parameters(self) -> dict[str, object]:
        """The values of a placeholder scope's parameters for this scope."""
        return {"scope_office": self.office_id, "scope_prefix": self.region_prefix}

    @cached_property
    def office_codes(self) -> frozenset[str]:
        """The region codes of this office (a few thousand at most), read once per scope."""
        return frozenset(db.session.scalars(sa.select(Region.code).where(Region.office_id == self.office_id)))

    def holds(self, region_code: str | None) -> bool:
        return (bool(region_code) and region_code.startswith(self.region_prefix)
                and region_code in self.office_codes)

    def region_filter(self, column: sa.ColumnElement, indexed: bool = True) -> sa.ColumnElement[bool]:
        """`indexed=False`: the same test on `column || ''`, which no index serves, so that the
        database walks another index (a pull: its band of change numbers, in order)."""
        # LIKE 'prefix%' uses the region_code index (varchar_pattern_ops is not needed for
        # a C-collated or SQLite database; see docs/sync-protocol.md for PostgreSQL set-up);
        # the IN keeps it to this office's regions.
        office_codes = sa.select(Region.code).where(Region.office_id == self.office_id)
        if not indexed:
            column = sa.type_coerce(column.concat(""), sa.String)
        return column.like(self.region_prefix + "%") & column.in_(office_codes)


class OutOfScope(Exception):
    pass


_USER_REGION = sa.bindparam("user_region", type_=sa.Uuid)
_USER_OFFICE = sa.bindparam("user_office", type_=sa.Uuid)


def prefix_of_user() -> sa.ColumnElement[str]:
    """The region prefix of a user's scope as one SQL value, for the parameters of
    `user_parameters`: the code of the user's region, else of the office's first root region
    (a user without a region sees the whole office), else "". One expression, so that a pull
    reads it in the statement it runs anyway instead of a round trip of its own."""
    own = sa.select(Region.code).where(Region.id == _USER_REGION).scalar_subquery()
    root = (sa.select(Region.code).where(Region.office_id == _USER_OFFICE, Region.parent_id.is_(None))
            .order_by(Region.code).limit(1).scalar_subquery())
    return sa.func.coalesce(own, root, "")


def user_parameters(user: User) -> dict[str, object]:
    if user.role == Role.COMPANY:
        raise OutOfScope("company accounts do not sync tablets")
    return {"user_region": user.region_id, "user_office": user.office_id}


_PREFIX_OF_USER = sa.select(prefix_of_user())


def scope_for(user: User) -> Scope:
    """A user with a region sees its subtree; one without sees the whole office."""
    return Scope(user.office_id, db.session.scalar(_PREFIX_OF_USER, user_parameters(user)))
