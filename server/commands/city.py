"""`xuncha city ...`: look at the city that is loaded (regions, estates, companies)."""

from __future__ import annotations

import unicodedata

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from server.cli import UserError
from server.domain.models import (
    Company,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    ManagementType,
    Office,
    Region,
    RegionLevel,
    User,
)
from server.extensions import db


@click.group()
def city() -> None:
    """Browse the loaded city."""


@city.command("summary")
@with_appcontext
def summary() -> None:
    """Counts of everything in the database, per office."""
    for office in db.session.scalars(sa.select(Office).order_by(Office.name)):
        click.echo(f"{office.name} ({office.short_name})")
        for label, model in (
            ("regions", Region),
            ("companies", Company),
            ("estates", Estate),
            ("users", User),
            ("inspections", Inspection),
            ("findings", Finding),
        ):
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.office_id == office.id)
            )
            click.echo(f"  {label:<12} {count}")


MANAGEMENT_LABELS = {
    ManagementType.PROFESSIONAL: "专业物业",
    ManagementType.UNIT_SELF: "单位自管",
    ManagementType.OWNER_SELF: "业主自管",
    ManagementType.FALLBACK: "兜底/无物业",
}


@city.command("estates")
@click.option("--district", default=None, help="区县名称，如 澜湖区 (district name).")
@click.option("--name", "name_part", default=None, help="小区名称包含的文字 (part of the estate name).")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True, help="最多列出几个小区.")
@with_appcontext
def estates(district: str | None, name_part: str | None, limit: int) -> None:
    """小区台账 List estates: community, management type, company, households, open findings."""
    query = sa.select(Estate).order_by(Estate.region_code, Estate.name)
    if district:
        region = db.session.scalar(
            sa.select(Region).where(Region.level == RegionLevel.DISTRICT, Region.name == district)
        )
        if region is None:
            raise UserError(f"没有名为「{district}」的区县 (no such district)")
        query = query.where(Estate.region_code.startswith(region.code, autoescape=True))
    if name_part:
        query = query.where(Estate.name.contains(name_part, autoescape=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(limit)).all()
    open_counts = dict(db.session.execute(
        sa.select(Finding.estate_id, sa.func.count())
        .where(Finding.estate_id.in_([e.id for e in rows]), Finding.status != FindingStatus.CLOSED,
               Finding.deleted_at.is_(None))
        .group_by(Finding.estate_id)
    ).all()) if rows else {}
    widths = (16, 10, 12, 34, 6, 8)
    click.echo(_row(("小区 estate", "社区", "管理类型", "物业企业 company", "户数", "未销号问题"), widths))
    for estate in rows:
        click.echo(_row((
            estate.name, estate.region.name, MANAGEMENT_LABELS[estate.management_type],
            estate.company.name if estate.company else "—", str(estate.households),
            str(open_counts.get(estate.id, 0)),
        ), widths))
    if total > len(rows):
        click.echo(f"… 共 {total} 个小区，已列出 {len(rows)} 个 "
                   f"(showing {len(rows)} of {total}; use --limit)")


def _row(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    return "  ".join(pad(cell, width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def pad(text: str, width: int) -> str:
    """Left-align in a terminal column, counting a Chinese character as two cells."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)
