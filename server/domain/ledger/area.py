"""Who may import which estates: an office-wide account the whole office, a supervisor with an
area only the estates of that area (the dashboard shows them nothing outside it, so they must
not change it either)."""

from __future__ import annotations

import sqlalchemy as sa

from server.domain.ledger.columns import header_key
from server.domain.ledger.reader import LedgerTable
from server.domain.ledger.report import Problem
from server.domain.ledger.validate import LedgerPlan
from server.domain.models import Estate, Region, Role, User
from server.domain.rectification.access import region_prefix
from server.extensions import db


def area_prefix(user: User) -> str | None:
    """The region code every imported estate must start with; None for the whole office."""
    return None if user.role == Role.ADMIN else region_prefix(user)


def keep_to_area(plan: LedgerPlan, table: LedgerTable, user: User) -> None:
    """Report each row whose community lies outside the user's area (nothing is then written)."""
    prefix = area_prefix(user)
    if prefix is None:
        return
    position = next((i for i, h in enumerate(table.headers) if header_key(h) == "community"), None)
    for estate in plan.estates:
        if not estate.community.code.startswith(prefix):
            plan.report.errors.append(Problem(
                "该社区不在您的管辖范围内 (community outside your area)", row=estate.row,
                column=table.headers[position] if position is not None else None,
                position=position + 1 if position is not None else None, value=estate.community.name))
    _keep_shared_companies(plan, table, prefix)


def _keep_shared_companies(plan: LedgerPlan, table: LedgerTable, prefix: str) -> None:
    """A company that also serves estates outside the area is not the area's to change: its
    name and contacts show in every district it works in."""
    changed = {c.existing.id: c for c in plan.companies.values() if c.existing is not None and c.changes}
    if not changed:
        return
    elsewhere = set(db.session.scalars(sa.select(Estate.company_id).where(
        Estate.company_id.in_(changed), Estate.deleted_at.is_(None),
        sa.not_(Estate.region_code.startswith(prefix, autoescape=True)))))
    position = next((i for i, h in enumerate(table.headers) if header_key(h) == "company_name"), None)
    for company_id in elsewhere:
        company = changed[company_id]
        plan.report.errors.append(Problem(
            "该企业还服务于您管辖范围以外的小区，不能在此修改其信息，请联系负责全单位的督导 "
            "(the company also serves estates outside your area: ask an office-wide supervisor)",
            row=company.first_row, column=table.headers[position] if position is not None else None,
            position=position + 1 if position is not None else None, value=company.existing.name))


def template_regions(user: User) -> list[Region]:
    """The regions a template for this user lists: the user's area with its ancestors, so the
    community sheet can name each community's street and district."""
    regions = db.session.scalars(sa.select(Region).where(
        Region.office_id == user.office_id, Region.deleted_at.is_(None))).all()
    prefix = area_prefix(user)
    if prefix is None:
        return list(regions)
    return [r for r in regions if r.code.startswith(prefix) or prefix.startswith(r.code)]
