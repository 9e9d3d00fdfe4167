"""Office pages: estates with open findings, issuing a notice, notices, revisits."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from server.domain.dashboard.notice_list import STATUS_WORDS, notice_page, parse_notice_filters
from server.domain.dashboard.revisit_list import parse_revisit_filters, revisit_page
from server.domain.exports.notice_export import export_notices
from server.domain.finding_workflow import STATUS_LABELS, TRANSITIONS
from server.domain.models import (
    FIELD_ROLES,
    OFFICE_ROLES,
    Escalation,
    EscalationKind,
    Estate,
    Finding,
    FindingStatus,
    Notice,
    NoticeStatus,
    PhotoLink,
    PhotoRole,
    Rectification,
    Revisit,
    Role,
    User,
)
from server.domain.problem_ledger import LedgerFilterError, ledger_choices
from server.domain.rectification import (
    company_credit,
    eligible_inspectors,
    issue_notice,
    notice_findings,
)
from server.domain.rectification.access import (
    can_see_estate,
    can_see_notice,
    link_finding_id,
    may_see_notice_photos,
)
from server.domain.rectification.closeout import record_revisit_with_evidence, require_evidence
from server.domain.rectification.deadlines import DAY_KIND_LABELS, DayKind, default_days, local_date
from server.domain.rectification.escalations import ESCALATION_LABELS, next_rung
from server.domain.rectification.notices import notice_deadlines
from server.domain.rectification.settings import setting
from server.domain.registry.estates import notice_blocker
from server.domain.registry.history import history_of
from server.extensions import db
from server.web import bp
from server.web.exports import send_xlsx
from server.web.helpers import CsrfForm, get_or_404, me, now, refuse, roles_required

S = FindingStatus
OFFICE = tuple(OFFICE_ROLES)
FIELD = tuple(FIELD_ROLES)
OPEN_STATUSES = [s for s in FindingStatus if s != S.CLOSED]


def photo_map(findings: list[Finding]) -> dict[uuid.UUID, dict[str, list[str]]]:
    """finding id → {"before": [sha…], "after": [sha…]} so pages show them side by side."""
    result: dict[uuid.UUID, dict[str, list[str]]] = {f.id: {"before": [], "after": []} for f in findings}
    if not findings:
        return result
    ids = list(result)
    # The finding, the company's report and the revisit all belong on the finding's rows.
    owner = link_finding_id()
    rows = db.session.execute(
        sa.select(owner, PhotoLink.role, PhotoLink.photo_sha256)
        .where(PhotoLink.deleted_at.is_(None), sa.or_(
            PhotoLink.finding_id.in_(ids),
            PhotoLink.rectification_id.in_(
                sa.select(Rectification.id).where(Rectification.finding_id.in_(ids))),
            PhotoLink.revisit_id.in_(sa.select(Revisit.id).where(Revisit.finding_id.in_(ids)))))
        .order_by(PhotoLink.created_at))
    for finding_id, role, sha in rows:
        bucket = result[finding_id]["before" if role == PhotoRole.EVIDENCE else "after"]
        if sha not in bucket:
            bucket.append(sha)
    return result


# Words for the states the pages show beside a finding's history (zh_CN first).
WORKFLOW_LABELS = {
    "submitted": "待复查 submitted", "accepted": "复查通过 accepted", "rejected": "复查未通过 rejected",
    "pending": "待回头看 pending", "done": "已完成 done", "cancelled": "已取消 cancelled",
    "fixed": "已整改 fixed", "not_fixed": "未整改 not fixed",
}


@bp.app_context_processor
def _labels():
    return {"status_labels": STATUS_LABELS, "local_date": local_date,
            "workflow_labels": WORKFLOW_LABELS,
            "escalation_labels": ESCALATION_LABELS, "day_kind_labels": DAY_KIND_LABELS,
            "escalation_kinds": list(EscalationKind)}


def escalation_choices(findings: list[Finding]) -> dict[uuid.UUID, str]:
    """finding id → the label of its next rung, for the findings this user may escalate now."""
    if me().role not in OFFICE:
        return {}
    escalatable = TRANSITIONS["escalate"].sources
    choices = {}
    for finding in findings:
        if finding.status in escalatable:
            rung = next_rung(finding)
            choices[finding.id] = ESCALATION_LABELS[rung.kind] if rung else ""
    return choices


# The estates list (every estate, not only those with open findings) is in server.web.lists.


@bp.get("/estates/<estate_id>")
@roles_required(*FIELD)
def estate(estate_id: str):
    """一个小区的未销号问题 (with photos) and the form to issue a notice."""
    estate = get_or_404(Estate, estate_id)
    if not can_see_estate(me(), estate):
        abort(404)
    findings = db.session.scalars(
        sa.select(Finding).where(Finding.estate_id == estate.id, Finding.status.in_(OPEN_STATUSES),
                                 Finding.deleted_at.is_(None))
        .order_by(Finding.found_at.desc())).all()
    issuable = TRANSITIONS["issue_notice"].sources
    defaults = {f.id: default_days(f) for f in findings}
    notices = db.session.scalars(sa.select(Notice).where(Notice.estate_id == estate.id)
                                 .order_by(Notice.issued_at.desc()).limit(20)).all()
    return render_template("web/estate.html", estate=estate, findings=findings, photos=photo_map(findings),
                           issuable=issuable, defaults=defaults, notices=notices, form=CsrfForm(),
                           can_issue=me().role in OFFICE, default_kind=setting("DEADLINE_DAY_KIND"),
                           day_kinds=list(DayKind), escalations=escalation_choices(findings),
                           issue_blocker=notice_blocker(estate, findings), history=history_of(estate))


@bp.get("/estates/<estate_id>/pdf")
@roles_required(*FIELD)
def estate_pdf(estate_id: str):
    """小区档案 PDF: the estate's history on one printable page, with before/after photos."""
    from server.documents.estate_pdf import recent_findings, render_estate_pdf

    estate = get_or_404(Estate, estate_id)
    if not can_see_estate(me(), estate):
        abort(404)
    pdf = render_estate_pdf(estate, photo_map(recent_findings(estate)), now())
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="estate-{estate.id}.pdf"'})


@bp.post("/estates/<estate_id>/notices")
@roles_required(*OFFICE)
def issue(estate_id: str):
    """下发整改通知书 Issue a notice for the chosen findings."""
    estate = get_or_404(Estate, estate_id)
    if not can_see_estate(me(), estate):
        abort(404)
    form = CsrfForm()
    if not form.validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    try:
        ids = [uuid.UUID(v) for v in request.form.getlist("finding_id")]
    except ValueError:
        abort(400)
    findings = db.session.scalars(sa.select(Finding).where(Finding.id.in_(ids))).all() if ids else []
    due_dates: dict[uuid.UUID, date | None] = {}
    try:
        for finding in findings:
            raw = request.form.get(f"due_{finding.id}", "").strip()
            due_dates[finding.id] = date.fromisoformat(raw) if raw else None
        notice = issue_notice(estate, findings, me(), now=now(), due_dates=due_dates,
                              day_kind=request.form.get("day_kind") or None)
    except ValueError as exc:  # TransitionRefused is a ValueError; so is a malformed date
        refuse(exc)
        return redirect(url_for("web.estate", estate_id=estate.id))
    db.session.commit()
    flash(f"已下发整改通知书 {notice.label} (notice issued)", "ok")
    return redirect(url_for("web.notice", notice_id=notice.id))


@bp.get("/notices")
@roles_required(*FIELD)
def notices():
    """整改通知书 Notices in my area: filtered, searched, paged, late ones marked."""
    try:
        filters = parse_notice_filters(request.args)
    except LedgerFilterError as exc:
        return render_template("web/notices.html", error=str(exc), filters=None, rows=[], cursor=None,
                               choices=ledger_choices(me()), status_words=STATUS_WORDS), 400
    rows, cursor = notice_page(me(), filters, now())
    return render_template("web/notices.html", error=None, filters=filters, rows=rows, cursor=cursor,
                           choices=ledger_choices(me()), status_words=STATUS_WORDS)


@bp.get("/notices/export.xlsx")
@roles_required(*FIELD)
def export_notice_list():
    """导出通知书列表 as XLSX with the page's filters."""
    try:
        filters = parse_notice_filters(request.args)
    except LedgerFilterError as exc:
        return {"error": str(exc)}, 400
    return send_xlsx(lambda out: export_notices(out, me(), filters, now()),
                     f"整改通知书-{local_date(now()).isoformat()}.xlsx")


def _visible_notice(notice_id: str) -> Notice:
    notice = get_or_404(Notice, notice_id)
    if not can_see_notice(me(), notice):
        abort(404)  # another company's notice does not exist, as far as this user can tell
    return notice


@bp.get("/notices/<notice_id>")
@login_required
def notice(notice_id: str):
    """一份整改通知书: its findings, before/after photos, replies, revisits, escalations."""
    notice = _visible_notice(notice_id)
    findings = notice_findings(notice)
    ids = [f.id for f in findings]
    rects = db.session.scalars(sa.select(Rectification).where(Rectification.finding_id.in_(ids))
                               .order_by(Rectification.reported_at)).all() if ids else []
    revisits = db.session.scalars(sa.select(Revisit).where(Revisit.finding_id.in_(ids))
                                  .order_by(Revisit.created_at)).all() if ids else []
    escalations = db.session.scalars(sa.select(Escalation).where(Escalation.finding_id.in_(ids))
                                     .order_by(Escalation.decided_at)).all() if ids else []
    by_finding = {f.id: {"rects": [], "revisits": [], "escalations": []} for f in findings}
    for key, rows in (("rects", rects), ("revisits", revisits), ("escalations", escalations)):
        for row in rows:
            by_finding[row.finding_id][key].append(row)
    cancelled = notice.status == NoticeStatus.CANCELLED
    # A cancelled notice asks nothing of anyone: its findings may be on a newer notice now.
    reportable = set() if cancelled else TRANSITIONS["report_rectified"].sources
    template = "web/company_notice.html" if me().role == Role.COMPANY else "web/notice.html"
    credit = company_credit(notice.company_id) if notice.company_id else None
    people = _people(rects, revisits, escalations, notice)
    photos = photo_map(findings)
    if not may_see_notice_photos(me(), notice):
        photos = {f.id: {"before": [], "after": []} for f in findings}
    return render_template(template, notice=notice, findings=findings, photos=photos,
                           related=by_finding, reportable=reportable, credit=credit,
                           users={u.id: u for u in people}, deadlines=notice_deadlines(notice),
                           escalations={} if cancelled else escalation_choices(findings),
                           can_cancel=me().role in OFFICE and notice.status == NoticeStatus.ISSUED,
                           form=CsrfForm(), history=_notice_history(notice, findings))


def _notice_history(notice: Notice, findings: list[Finding]) -> list:
    """The notice's own steps and those of the findings it lists, newest first."""
    lines = history_of(notice) + [line for f in findings for line in history_of(f, limit=20)]
    return sorted(lines, key=lambda line: line.at, reverse=True)[:60]


def _people(rects, revisits, escalations=(), notice: Notice | None = None) -> list[User]:
    ids = ({r.reported_by_id for r in rects} | {v.inspector_id for v in revisits}
           | {v.done_by_id for v in revisits}
           | {e.decided_by_id for e in escalations})
    if notice is not None:
        ids.add(notice.cancelled_by_id)
    ids.discard(None)
    return db.session.scalars(sa.select(User).where(User.id.in_(ids))).all() if ids else []


@bp.get("/notices/<notice_id>/pdf")
@login_required
def notice_pdf(notice_id: str):
    """整改通知书 PDF (A4), for printing and stamping."""
    from server.documents import render_notice_pdf

    notice = _visible_notice(notice_id)
    pdf = render_notice_pdf(notice, with_photos=may_see_notice_photos(me(), notice))
    filename = f"notice-{notice.year}-{notice.number:04d}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/revisits")
@roles_required(*FIELD)
def revisits():
    """回头看任务 Pending revisits (an inspector's own; the tablet shows the same tasks),
    earliest deadline first, searched and paged."""
    user = me()
    try:
        filters = parse_revisit_filters(request.args)
    except LedgerFilterError as exc:
        refuse(exc)
        return redirect(url_for("web.revisits"))
    rows, cursor = revisit_page(user, filters, now())
    findings = [r.finding for r in rows]
    # Supervisors hand tasks on: to each estate's eligible inspectors (one query for the page).
    choices = eligible_inspectors(f.estate for f in findings) if user.role in OFFICE else {}
    assigned = {u.id: u for u in _people([], rows)}
    return render_template("web/revisits.html", revisits=rows, photos=photo_map(findings), form=CsrfForm(),
                           choices=choices, assigned=assigned, can_assign=user.role in OFFICE,
                           filters=filters, cursor=cursor)


@bp.post("/revisits/<revisit_id>")
@roles_required(*FIELD)
def revisit_result(revisit_id: str):
    """记录回头看结果 Record a revisit's result from the web (when no tablet is at hand)."""
    revisit = get_or_404(Revisit, revisit_id)
    if not can_see_estate(me(), revisit.finding.estate):
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    raw_due = request.form.get("new_due_on", "").strip()
    note = request.form.get("note", "").strip()[:2000]
    files = [f for f in request.files.getlist("photos") if f and f.filename]
    confirmed = request.form.get("confirm") == "yes"
    from server.web.company import store_photo  # company.py imports this module

    try:
        # Checked before any photo is stored: a refused close-out keeps nothing.
        require_evidence(note, len(files), confirmed)
        record_revisit_with_evidence(revisit, me(), request.form.get("result", ""), now=now(), note=note,
                                     photo_sha256s=[store_photo(f) for f in files], confirmed=confirmed,
                                     new_due_on=date.fromisoformat(raw_due) if raw_due else None)
    except ValueError as exc:
        refuse(exc)
        return redirect(url_for("web.revisits"))
    db.session.commit()
    flash("已记录回头看结果 (revisit recorded)", "ok")
    return redirect(url_for("web.revisits"))
