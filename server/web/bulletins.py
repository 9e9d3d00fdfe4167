"""统计通报 Bulletins: choose a kind, a period and an area; the bulletin page, whose every figure
links to its rows; PDF and XLSX downloads. Office staff only, within their own area."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, redirect, render_template, request, send_file, url_for

from server.documents.bulletin_charts import bulletin_charts
from server.documents.bulletin_pdf import render_bulletin_pdf
from server.domain.bulletins.figures import FIGURE_BY_KEY, FIGURES, RATES
from server.domain.bulletins.report import BULLETIN_KINDS_ZH, Bulletin, BulletinError, build_bulletin
from server.domain.bulletins.rows import UnknownFigure, figure_rows
from server.domain.bulletins.tables import bulletin_tables
from server.domain.bulletins.workbook import write_bulletin_xlsx
from server.domain.dashboard.scope import scope_prefix
from server.domain.models import OFFICE_ROLES, Region
from server.domain.periods import PERIOD_KINDS, Period, PeriodError
from server.domain.rectification.deadlines import local_date, local_time
from server.extensions import db
from server.web import bp
from server.web.exports import send_xlsx
from server.web.helpers import me, now, roles_required


class Refused(Exception):
    """A request this page cannot serve, said in words on the choice page (400 or 403)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    return render_template("web/bulletins/index.html", error=str(exc), recent=_recent_periods(),
                           kinds=BULLETIN_KINDS_ZH, regions=_region_choices(), region=scope_prefix(me()),
                           default=_last_month()), exc.status


def _period(key: str) -> Period:
    try:
        return Period.parse(key)
    except PeriodError as exc:
        raise Refused(str(exc)) from None


def _region_code() -> str | None:
    """The area asked for (?region=), which must lie inside the user's own; default: the user's."""
    own = scope_prefix(me())
    code = (request.args.get("region") or "").strip() or own
    if code and (not code.isdigit() or len(code) > 12):
        raise Refused(f"区域代码应为数字：{code[:20]} (bad region code)")
    if own and not (code or "").startswith(own):
        raise Refused("只能查看本人负责区域的通报 (outside your area)", 403)
    return code or None


def _bulletin(key: str) -> Bulletin:
    try:
        return build_bulletin(db.session, me().office_id, _period(key), _region_code(), now=now())
    except BulletinError as exc:
        raise Refused(str(exc)) from None


def _region_choices() -> list[Region]:
    """The user's area and everything above district level below it (city, districts, streets)."""
    query = sa.select(Region).where(Region.office_id == me().office_id, Region.deleted_at.is_(None),
                                    Region.level.in_(("city", "district", "street")))
    own = scope_prefix(me())
    if own:
        query = query.where(Region.code.startswith(own, autoescape=True))
    return list(db.session.scalars(query.order_by(Region.code)))


def _recent_periods() -> dict[str, list[Period]]:
    today = local_date(now())
    recent: dict[str, list[Period]] = {}
    for kind in PERIOD_KINDS:
        current = Period.containing(kind, today)
        recent[kind] = [current, current.previous(), current.previous().previous()]
    return recent


def _last_month() -> Period:
    return Period.containing("month", local_date(now()).replace(day=1) - timedelta(days=1))


@bp.get("/bulletins")
@roles_required(*OFFICE_ROLES)
def bulletins():
    """统计通报: choose the kind (周报送、月通报 …), the period and the area."""
    if request.args.get("period"):
        key = request.args["period"].strip()
        kind = request.args.get("kind", "")
        period = _period(key)
        if kind and kind not in BULLETIN_KINDS_ZH:
            raise Refused(f"未知的通报类型：{kind[:20]} (unknown kind)")
        if kind and kind != period.kind:
            # 年度统计 with "2026-11" means the year that month is in: take the period of the
            # chosen kind that holds the typed period's first day.
            period = Period.containing(kind, period.start)  # type: ignore[arg-type]
        return redirect(url_for("web.bulletin", key=period.key, region=_region_code() or None))
    return render_template("web/bulletins/index.html", error=None, recent=_recent_periods(),
                           kinds=BULLETIN_KINDS_ZH, regions=_region_choices(), region=_region_code(),
                           default=_last_month())


@bp.get("/bulletins/<key>")
@roles_required(*OFFICE_ROLES)
def bulletin(key: str):
    """一期通报: every figure, by district and category, with charts; each figure links to its rows."""
    b = _bulletin(key)
    if b.period.key != key:
        return redirect(url_for("web.bulletin", key=b.period.key, **request.args))
    return render_template("web/bulletins/bulletin.html", b=b, tables=bulletin_tables(b),
                           charts=bulletin_charts(b), kind_zh=BULLETIN_KINDS_ZH[b.period.kind],
                           figures=FIGURES, rates=RATES)


def _download_name(b: Bulletin, suffix: str) -> str:
    return f"{b.title_zh}-{b.period.key}.{suffix}"


@bp.get("/bulletins/<key>/pdf")
@roles_required(*OFFICE_ROLES)
def bulletin_pdf(key: str):
    b = _bulletin(key)
    return send_file(io.BytesIO(render_bulletin_pdf(b)), mimetype="application/pdf", as_attachment=True,
                     download_name=_download_name(b, "pdf"))


@bp.get("/bulletins/<key>/xlsx")
@roles_required(*OFFICE_ROLES)
def bulletin_xlsx(key: str):
    b = _bulletin(key)
    return send_xlsx(lambda out: write_bulletin_xlsx(out, b), _download_name(b, "xlsx"))


@bp.get("/bulletins/<key>/rows/<figure>")
@roles_required(*OFFICE_ROLES)
def bulletin_rows(key: str, figure: str):
    """The rows a figure counts, listed by the same query that counted them."""
    period = _period(key)
    category = (request.args.get("category") or "").strip()[:50] or None
    channel = (request.args.get("channel") or "").strip()[:32] or None
    try:
        found = figure_rows(db.session, me().office_id, period, figure, _region_code(), category, channel)
    except UnknownFigure:
        abort(404)
    region = _region_code()
    area = db.session.scalar(sa.select(Region).where(Region.office_id == me().office_id,
                                                     Region.code == region)) if region else None
    ledger = None
    if figure == "findings_found":
        # The ledger filters by found date exactly, so the same rows can be worked on there.
        last_day = period.end - timedelta(days=1)
        ledger = url_for("web.problems", region=region, category=category,
                         found_from=period.start.isoformat(), found_to=last_day.isoformat())
    return render_template("web/bulletins/rows.html", rows=found, area=area, category=category or channel,
                           ledger=ledger, figure=FIGURE_BY_KEY[figure], local_time=local_time)
