"""检查记录 Inspections: a filtered list by keyset, one inspection as answered, and the estate
page's history of inspections and scores."""

from __future__ import annotations

from flask import abort, render_template, request

from server.domain.dashboard import inspections as service
from server.domain.models import FIELD_ROLES, Estate, Inspection, InspectionKind, InspectionStatus
from server.domain.problem_ledger import LedgerFilterError, ledger_choices
from server.domain.rectification.access import can_see_estate
from server.domain.registry.history import history_of
from server.extensions import db
from server.web import bp
from server.web.helpers import get_or_404, me, roles_required


@bp.app_context_processor
def _inspection_labels():
    return {"kind_labels": service.KIND_LABELS, "inspection_status_labels": service.STATUS_LABELS,
            "result_labels": service.RESULT_LABELS}


@bp.app_template_global()
def estate_scores(estate: Estate) -> list[service.ScorePoint]:
    """For the estate page: its inspections and scores over time (newest first)."""
    return service.estate_scores(estate)


@bp.get("/inspections")
@roles_required(*FIELD_ROLES)
def inspections():
    """检查记录: every inspection of my area, newest first, 50 a page."""
    choices = ledger_choices(me())
    try:
        filters = service.parse_inspection_filters(request.args)
    except LedgerFilterError as exc:
        return render_template("web/inspections.html", error=str(exc), filters=None, rows=[], cursor=None,
                               choices=choices, kinds=list(InspectionKind),
                               statuses=list(InspectionStatus)), 400
    rows, cursor = service.inspections_page(me(), filters)
    estate = db.session.get(Estate, filters.estate) if filters.estate else None
    return render_template("web/inspections.html", error=None, filters=filters, rows=rows, cursor=cursor,
                           choices=choices, kinds=list(InspectionKind), statuses=list(InspectionStatus),
                           estate=estate)


@bp.get("/inspections/<inspection_id>")
@roles_required(*FIELD_ROLES)
def inspection(inspection_id: str):
    """一次检查: the checklist as answered, with notes, photos, score, who and when, and the
    findings it raised."""
    visit = get_or_404(Inspection, inspection_id)
    estate = db.session.get(Estate, visit.estate_id)
    if visit.deleted_at is not None or not can_see_estate(me(), estate):
        abort(404)
    return render_template("web/inspection.html", visit=visit, estate=estate,
                           sheet=service.inspection_sheet(visit), percent=service.percent(visit),
                           history=history_of(visit))
