"""Who and where: offices, the region hierarchy, users, companies and estates."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.domain.estate_initials import name_initials
from server.domain.models.base import IdMixin, ScopedMixin, SyncMixin, TimestampMixin, enum_column
from server.domain.models.enums import CommitteeStatus, ManagementType, RegionLevel, Role, UnitKind
from server.domain.pinyin_sort import KEY_LENGTH, pinyin_key
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
    """A property-service company (物业服务企业), or another unit that answers for estates:
    a work unit managing its own housing, or the street office / community that is responsible
    for an estate nobody manages (`kind`). Notices, reports and reminders treat them alike."""

    __tablename__ = "company"
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind), default=UnitKind.PROPERTY_COMPANY)
    credit_code: Mapped[str] = mapped_column(sa.String(18), unique=True)
    filed_at: Mapped[date | None]
    contact_person: Mapped[str] = mapped_column(sa.String(50), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    # The name's pinyin sort key (server.domain.pinyin_sort), kept by the listener below, so
    # lists order and page companies as a Chinese reader expects.
    # A server default too: rows bulk-inserted in SQL (bench cities) need not name it.
    name_pinyin: Mapped[str] = mapped_column(sa.String(KEY_LENGTH), default="", server_default="", index=True)

    estates: Mapped[list[Estate]] = relationship(back_populates="company")


@sa.event.listens_for(Company.name, "set")
def _keep_company_pinyin(company: Company, value: str, _old, _initiator) -> None:
    company.name_pinyin = pinyin_key(value)


class Estate(ScopedMixin, SyncMixin, db.Model):
    """A residential estate (住宅小区) in one community.

    `company` is the unit its notices go to: the managing company, or, for an estate nobody
    manages (无物业), the responsible street office or community (see docs/rectification.md)."""

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
    # Pinyin initials of the name (阳光花园 → yghy) for the problem ledger's search; every
    # assignment of `name` keeps them (listener below), so no write path can forget them.
    name_initials: Mapped[str] = mapped_column(sa.String(100), default="", index=True)
    name_pinyin: Mapped[str] = mapped_column(sa.String(KEY_LENGTH), default="", server_default="",
                                             index=True)  # as Company's

    region: Mapped[Region] = relationship()
    company: Mapped[Company | None] = relationship(back_populates="estates")


@sa.event.listens_for(Estate.name, "set")
def _keep_name_initials(estate: Estate, value: str, _old, _initiator) -> None:
    estate.name_initials = name_initials(value)
    estate.name_pinyin = pinyin_key(value)


def new_session_token() -> str:
    return secrets.token_hex(16)


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
    # A new or reset account must choose its own password before it can do anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Part of every session cookie; a new one (accounts.end_sessions) ends all open sessions.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)

    region: Mapped[Region | None] = relationship()
    company: Mapped[Company | None] = relationship()
