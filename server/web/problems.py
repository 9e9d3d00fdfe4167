"""问题台账 Problem ledger page: filters in the URL, keyset pages, bulk actions."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from server.domain.dashboard import bulk
from server.domain.exports.jobs import queue_ledger_export
from server.domain.exports.ledger_export import export_ledger
from server.domain.finding_workflow import STATUS_LABELS, TransitionRefused
from server.domain.models import FIELD_ROLES, OFFICE_ROLES, FindingStatus, Severity, User
from server.domain.problem_ledger import (
    SEVERITY_LABELS,
    SORTS,
    LedgerFilterError,
    count_ledger,
    ledger_choices,
    ledger_page,
    parse_filters,
)
from server.domain.rectification.deadlines import local_date
from server.extensions import db
from server.web import bp
from server.web.exports import send_xlsx
from server.web.helpers import CsrfForm, me, now, roles_required

EXPORT_INLINE_MAX = 5000  # rows written while the request waits; more go to a background job

@bp.app_context_processor
def _ledger_labels():
    return {"severity_labels": SEVERITY_LABELS}


@bp.get("/problems")
@roles_required(*FIELD_ROLES)
def problems():
    """问题台账: every finding of my area, filtered and searched; 50 a page."""
    try:
        filters = parse_filters(request.args)
        page = ledger_page(me(), filters, now())
    except LedgerFilterError as exc:
        return _refused(exc)
    if any(not value.strip() for value in request.args.values()):
        # The filter form sends its empty fields too: a short URL is the one worth sharing.
        return redirect(url_for("web.problems", **filters.to_args()))
    return render_template("web/problems.html", error=None, filters=filters, page=page,
                           choices=ledger_choices(me()), sorts=SORTS, statuses=list(FindingStatus),
                           severities=list(Severity), form=CsrfForm(), status_labels=STATUS_LABELS,
                           can_act=me().role in OFFICE_ROLES)


def _refused(exc: LedgerFilterError):
    """The page again with the reason a filter was refused (400), the form still there."""
    return render_template("web/problems.html", error=str(exc), filters=None, page=None,
                           choices=ledger_choices(me()), sorts=SORTS, statuses=list(FindingStatus),
                           severities=list(Severity), form=CsrfForm(), can_act=False), 400


@bp.post("/problems/bulk")
@roles_required(*OFFICE_ROLES)
def problems_bulk():
    """批量操作: issue notices, extend deadlines with a reason, or assign a revisit."""
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    back = url_for("web.problems") + ("?" + request.form["back"] if request.form.get("back") else "")
    try:
        ids = [uuid.UUID(v) for v in request.form.getlist("finding_id")]
    except ValueError:
        flash("所选问题无法识别 (bad finding id)", "error")
        return redirect(back)
    action = request.form.get("action", "")
    try:
        findings = bulk.chosen_findings(me(), ids)
        message = _apply(action, findings)
    except TransitionRefused as exc:
        db.session.rollback()
        flash(f"未执行，没有任何改动：{exc} (nothing was changed)", "error")
        return redirect(back)
    db.session.commit()
    flash(message, "ok")
    return redirect(back)


def _apply(action: str, findings) -> str:
    if action == "issue_notice":
        notices = bulk.issue_notices(findings, me(), now=now())
        labels = "、".join(n.label for n in notices)
        return f"已下发 {len(notices)} 份整改通知书：{labels} ({len(notices)} notices issued)"
    if action == "extend":
        raw = request.form.get("new_due_on", "").strip()
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise TransitionRefused("invalid_input", "请填写新的整改期限，如 2026-03-31") from None
        count = bulk.extend_deadlines(findings, me(), day, request.form.get("reason", ""), now=now())
        return f"已为 {count} 个问题延长整改期限至 {day} ({count} deadlines extended)"
    if action == "assign_revisit":
        try:
            inspector = db.session.get(User, uuid.UUID(request.form.get("inspector_id", "")))
        except ValueError:
            inspector = None
        if inspector is None:
            raise TransitionRefused("invalid_input", "请选择检查员 (choose an inspector)")
        revisits = bulk.assign_revisits(findings, inspector, me(), now=now())
        return f"已为 {len(revisits)} 个问题安排回头看，检查员 {inspector.display_name} (revisits assigned)"
    raise TransitionRefused("invalid_input", "请选择批量操作 (choose an action)")


@bp.get("/problems/export.xlsx")
@roles_required(*FIELD_ROLES)
def export_problems():
    """导出问题台账: the ledger with the filters of the page, as XLSX (written to a temporary
    file in constant memory, then streamed)."""
    try:
        filters = parse_filters(request.args)
    except LedgerFilterError as exc:
        return _refused(exc)
    if count_ledger(me(), filters, now()) > current_app.config.get("EXPORT_INLINE_MAX", EXPORT_INLINE_MAX):
        # Too many rows for one request: the scheduler writes the file, the page shows progress.
        job = queue_ledger_export(me(), filters.to_args(after=None), now=now())
        db.session.commit()
        return redirect(url_for("web.export_job", job_id=job.id))
    return send_xlsx(lambda out: export_ledger(out, me(), filters, now()),
                     f"问题台账-{local_date(now()).isoformat()}.xlsx")
