"""`xuncha bulletin make 2026-11 --pdf out.pdf --xlsx out.xlsx`: a bulletin from the command line
(for a scheduled monthly run, or a statistician without a browser)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from server.cli import UserError
from server.domain.bulletins.figures import FIGURES, RATES, percent
from server.domain.bulletins.report import BulletinError, build_bulletin
from server.domain.models import Office
from server.domain.periods import Period, PeriodError
from server.extensions import db


@click.group()
def bulletin() -> None:
    """统计通报 (bulletins: weekly, monthly, quarterly, half-year, annual)."""


def _office(name_or_id: str | None) -> Office:
    offices = list(db.session.scalars(sa.select(Office).order_by(Office.name)))
    if name_or_id:
        for office in offices:
            if name_or_id in (str(office.id), office.name, office.short_name):
                return office
        raise UserError(f"没有这个单位：{name_or_id} (no such office)")
    if len(offices) != 1:
        names = "、".join(o.short_name for o in offices) or "（无）"
        raise UserError(f"请用 --office 指定单位：{names} (choose an office)")
    return offices[0]


@bulletin.command("make")
@click.argument("period")
@click.option("--office", "office_name", help="单位名称、简称或编号 (office name, short name or id)")
@click.option("--region", help="区域代码，默认全单位 (region code; default the whole office)")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), help="写出 PDF")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), help="写出 XLSX")
@with_appcontext
def make(period: str, office_name: str | None, region: str | None, pdf_path: Path | None,
         xlsx_path: Path | None) -> None:
    """生成一期通报，打印主要指标 (make a bulletin, print its figures): PERIOD is 2026-W48,
    2026-11, 2026-Q4, 2026-H2 or 2026."""
    try:
        chosen = Period.parse(period)
    except PeriodError as exc:
        raise UserError(str(exc)) from None
    office = _office(office_name)
    try:
        b = build_bulletin(db.session, office.id, chosen, region)
    except BulletinError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"{b.title_zh}（{chosen.range_zh}）")
    for figure in FIGURES:
        click.echo(f"  {figure.label_zh}：{b.totals[figure.key]}")
    for rate in RATES:
        click.echo(f"  {rate.label_zh}：{percent(b.totals.rate(rate.key))}")
    if pdf_path:
        from server.documents.bulletin_pdf import render_bulletin_pdf

        pdf_path.write_bytes(render_bulletin_pdf(b))
        click.echo(f"PDF 已写出 (written)：{pdf_path}")
    if xlsx_path:
        from server.domain.bulletins.workbook import write_bulletin_xlsx

        write_bulletin_xlsx(str(xlsx_path), b)
        click.echo(f"XLSX 已写出 (written)：{xlsx_path}")


__all__ = ["bulletin"]
