"""A new office and its region tree, for a server that starts empty (no demo city)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.models import Office, Region, RegionLevel, User
from server.domain.registry.errors import AccountRefused
from server.extensions import db

CODE = re.compile(r"^[0-9]{2,12}$")
LEVEL_ORDER = list(RegionLevel)


def create_office(name: str, short_name: str, root_code: str, root_name: str,
                  level: RegionLevel | str = RegionLevel.CITY) -> Office:
    """The office with its root region (the city or district it supervises)."""
    name, short_name = (name or "").strip(), (short_name or "").strip()
    if not 2 <= len(name) <= 100 or not 1 <= len(short_name) <= 20:
        raise AccountRefused("invalid_input", "单位名称2–100字、简称1–20字 (name 2–100, short name 1–20)")
    if db.session.scalar(sa.select(sa.exists().where(Office.name == name))):
        raise AccountRefused("duplicate", f"单位「{name}」已存在 (office exists)")
    office = Office(name=name, short_name=short_name, legal_basis="")
    db.session.add(office)
    db.session.flush()
    _region(office, None, root_code, root_name, RegionLevel(level))
    record_audit(None, "create_office", office, {"name": name, "root": root_code})
    return office


def add_region(office: Office, parent_code: str, code: str, name: str, actor: User | None = None) -> Region:
    """A district, street or community under `parent_code`; its level is the next one down.

    Codes nest (a child's code starts with its parent's), which is what scope checks rely on."""
    parent = db.session.scalar(sa.select(Region).where(Region.code == (parent_code or "").strip(),
                                                       Region.office_id == office.id))
    if parent is None:
        raise AccountRefused("not_found", f"本单位没有代码为 {parent_code} 的区域 (no such parent region)")
    if parent.level == RegionLevel.COMMUNITY:
        raise AccountRefused("invalid_input", "社区下不能再建区域 (a community has no sub-regions)")
    code = (code or "").strip()
    if not code.startswith(parent.code) or code == parent.code:
        raise AccountRefused("invalid_input", f"区域代码须以上级代码 {parent.code} 开头 "
                                              "(a region's code starts with its parent's)")
    region = _region(office, parent, code, name, LEVEL_ORDER[LEVEL_ORDER.index(parent.level) + 1])
    record_audit(actor, "add_region", region, {"code": code, "name": region.name, "parent": parent.code},
                 office_id=office.id)
    return region


def _region(office: Office, parent: Region | None, code: str, name: str, level: RegionLevel) -> Region:
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE.match(code):
        raise AccountRefused("invalid_input", f"区域代码应为2–12位数字，实际为「{code}」 (2–12 digits)")
    if not 1 <= len(name) <= 100:
        raise AccountRefused("invalid_input", "请填写区域名称 (region name)")
    if db.session.scalar(sa.select(sa.exists().where(Region.code == code))):
        raise AccountRefused("duplicate", f"区域代码 {code} 已存在 (code exists)")
    region = Region(office_id=office.id, parent_id=parent.id if parent else None, level=level,
                    code=code, name=name)
    db.session.add(region)
    db.session.flush()
    return region
