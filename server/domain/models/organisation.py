"""Who and where: offices, the region hierarchy, users, companies and estates."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.models.base import IdMixin, ScopedMixin, SyncMixin, TimestampMixin, enum_column
from server.domain.models.enums import CommitteeStatus, ManagementType, RegionLevel, Role
from server.extensions import db


class Office(IdMixin, TimestampMixin, db.Model):
    """A supervising office (住建局 / 物业办): the tenant every other row belongs to.

    Its root region is the one region of the office without a parent."""

    __tablename__ = "office"
    name: Mapped[str] = mapped_column(sa.String(100))
    short_name: Mapped[str] = mapped_column(sa.String(20))  # used in notice numbers
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")


class Region(SyncMixin, db.Model):
    """City → district → street → community.

    `code` is the administrative division code, so that a subtree is a prefix of codes and a
    scope check is an indexed LIKE 'prefix%' instead of a recursive walk.
    """

    __tablename__ = "region"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    level: Mapped[RegionLevel] = mapped_column(enum_column(RegionLevel))
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))

    parent: Mapped[Region | None] = relationship(remote_side="Region.id", back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent")

    def contains(self, other: Region) -> bool:
        return other.code.startswith(self.code)


class Company(SyncMixin, db.Model):
    """A property-service company (物业服务企业)."""

    __tablename__ = "company"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    filed_at: Mapped[date | None]
    contact_person: Mapped[str] = mapped_column(sa.String(50), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")

    estates: Mapped[list[Estate]] = relationship(back_populates="company")


class Estate(ScopedMixin, SyncMixin, db.Model):
    """A residential estate (住宅小区) in one community."""

    __tablename__ = "estate"
    __table_args__ = (sa.UniqueConstraint("region_id", "name"),)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    region_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("region.id"), index=True)
    company_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("company.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    management_type: Mapped[ManagementType] = mapped_column(enum_column(ManagementType))
    households: Mapped[int] = mapped_column(default=0)
    floor_area: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=0)  # m²
    buildings: Mapped[int] = mapped_column(default=0)
    committee_status: Mapped[CommitteeStatus] = mapped_column(
        enum_column(CommitteeStatus), default=CommitteeStatus.NONE
    )
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    built_year: Mapped[int | None]

    region: Mapped[Region] = relationship()
    company: Mapped[Company | None] = relationship(back_populates="estates")


class User(IdMixin, TimestampMixin, db.Model):
    """A person who logs in. Inspectors and supervisors are scoped to a region subtree,
    company users to their company."""

    __tablename__ = "user_account"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Set when the password is the publicly known demo one; production refuses to start then.
    password_is_demo: Mapped[bool] = mapped_column(default=False)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    region_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("region.id"), index=True)
    company_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("company.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]

    region: Mapped[Region | None] = relationship()
    company: Mapped[Company | None] = relationship()
