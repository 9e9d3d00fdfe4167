"""Lists that scale: every estate of my area (小区), searched, filtered, paged, exported."""

from __future__ import annotations

from flask import render_template, request

from server.domain.dashboard.company_list import parse_company_filters
from server.domain.dashboard.estate_list import estate_page, parse_estate_filters
from server.domain.exports.company_export import export_companies
from server.domain.exports.estate_export import export_estates
from server.domain.models import FIELD_ROLES, OFFICE_ROLES
from server.domain.problem_ledger import LedgerFilterError, ledger_choices
from server.domain.rectification.deadlines import local_date
from server.web import bp
from server.web.exports import send_xlsx
from server.web.helpers import me, now, roles_required


@bp.get("/estates")
@roles_required(*FIELD_ROLES)
def estates():
    """小区: every estate of my area with its company, latest score, open and overdue counts."""
    try:
        filters = parse_estate_filters(request.args)
    except LedgerFilterError as exc:
        return render_template("web/estate_list.html", error=str(exc), filters=None, rows=[], cursor=None,
                               choices=ledger_choices(me())), 400
    rows, cursor = estate_page(me(), filters, now())
    return render_template("web/estate_list.html", error=None, filters=filters, rows=rows, cursor=cursor,
                           choices=ledger_choices(me()))


@bp.get("/estates/export.xlsx")
@roles_required(*FIELD_ROLES)
def export_estate_list():
    """导出小区列表 as XLSX with the page's filters (a few thousand rows: written at once)."""
    try:
        filters = parse_estate_filters(request.args)
    except LedgerFilterError as exc:
        return render_template("web/estate_list.html", error=str(exc), filters=None, rows=[], cursor=None,
                               choices=ledger_choices(me())), 400
    return send_xlsx(lambda out: export_estates(out, me(), filters, now()),
                     f"小区-{local_date(now()).isoformat()}.xlsx")


@bp.get("/companies/export.xlsx")
@roles_required(*OFFICE_ROLES)
def export_company_list():
    """导出企业与责任单位 as XLSX with the page's filters."""
    try:
        filters = parse_company_filters(request.args)
    except LedgerFilterError as exc:
        return {"error": str(exc)}, 400
    return send_xlsx(lambda out: export_companies(out, me(), filters, now()),
                     f"企业与责任单位-{local_date(now()).isoformat()}.xlsx")
