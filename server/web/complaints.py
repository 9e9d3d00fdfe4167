"""投诉 pages for office staff: the list (filters, search, pages, overdue marked), a complaint's
page (timeline, verification task, finding, reply, close), the new-complaint form, the 12345 import.
Complainants' names and phones appear here only: office staff pages."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from server.domain.complaints import (
    CHANNEL_LABELS,
    CHANNEL_LABELS_EN,
    close_complaint,
    file_as_finding,
    may_see_complaint,
    record_complaint,
    reply_to_complaint,
    send_for_verification,
    task_day,
)
from server.domain.complaints.hotline_import import COLUMNS, REQUIRED, import_hotline, template_rows
from server.domain.exports.xlsx import Column, write_xlsx
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import (
    OFFICE_ROLES,
    ChecklistTemplate,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Estate,
    Finding,
    Satisfaction,
    Severity,
    TemplateStatus,
)
from server.domain.rectification.access import estates_in_scope, region_prefix
from server.domain.rectification.deadlines import CHINA, local_time
from server.domain.rectification.revisits import eligible_inspectors
from server.domain.xlsx_limits import XlsxTooLarge
from server.extensions import db
from server.web import bp
from server.web.exports import send_xlsx
from server.web.form_input import check_csrf
from server.web.helpers import CsrfForm, get_or_404, me, now, roles_required
from server.web.plans import act_then_redirect

OFFICE = tuple(OFFICE_ROLES)
PAGE_SIZE = 50
COMPLAINT_STATUS_LABELS = {
    ComplaintStatus.RECEIVED: "已受理 received", ComplaintStatus.VERIFYING: "核查中 verifying",
    ComplaintStatus.REPLIED: "已答复 replied", ComplaintStatus.CLOSED: "已办结 closed"}
SATISFACTION_LABELS = {
    Satisfaction.SATISFIED: "满意 satisfied", Satisfaction.BASICALLY: "基本满意 fairly satisfied",
    Satisfaction.UNSATISFIED: "不满意 unsatisfied"}
SEVERITY_LABELS = {Severity.MINOR: "一般 minor", Severity.MAJOR: "较重 major", Severity.SEVERE: "严重 severe"}


@bp.app_context_processor
def _complaint_labels():
    return {"channel_labels": CHANNEL_LABELS, "channel_labels_en": CHANNEL_LABELS_EN,
            "complaint_status_labels": COMPLAINT_STATUS_LABELS, "satisfaction_labels": SATISFACTION_LABELS,
            "local_time": local_time}


def _scoped() -> sa.Select:
    user = me()
    query = sa.select(Complaint).where(Complaint.office_id == user.office_id)
    prefix = region_prefix(user)
    return query if prefix is None else query.where(Complaint.region_code.startswith(prefix))


@bp.get("/complaints")
@roles_required(*OFFICE)
def complaints():
    """投诉列表: newest first, by channel and status, overdue only, search in text, ticket and estate."""
    args = request.args
    query = _scoped().join(Estate, Estate.id == Complaint.estate_id)
    channel, status, q = args.get("channel", ""), args.get("status", ""), args.get("q", "").strip()[:50]
    if channel in set(ComplaintChannel):
        query = query.where(Complaint.channel == channel)
    if status in set(ComplaintStatus):
        query = query.where(Complaint.status == status)
    if args.get("overdue"):
        query = query.where(Complaint.replied_at.is_(None), Complaint.status != ComplaintStatus.CLOSED,
                            Complaint.due_at < now())
    if q:
        like = f"%{q}%"
        query = query.where(sa.or_(Complaint.text.like(like), Complaint.reference.like(like),
                                   Estate.name.like(like), Estate.name_initials.like(f"{q.lower()}%")))
    total = db.session.scalar(query.with_only_columns(sa.func.count(Complaint.id)).order_by(None))
    try:
        page = max(1, int(args.get("page", 1)))
    except ValueError:
        page = 1
    rows = db.session.scalars(query.order_by(Complaint.received_at.desc(), Complaint.id)
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("web/complaints/list.html", complaints=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), args=args, moment=now(),
                           channels=list(ComplaintChannel), statuses=list(ComplaintStatus))


def _estate_choices() -> list[Estate]:
    return db.session.scalars(estates_in_scope(me()).order_by(Estate.name_pinyin)).all()


@bp.get("/complaints/new")
@roles_required(*OFFICE)
def complaint_new():
    """登记投诉: the new-complaint form."""
    local_now = local_time(now()).strftime("%Y-%m-%dT%H:%M")
    return render_template("web/complaints/new.html", form=CsrfForm(), estates=_estate_choices(),
                           channels=list(ComplaintChannel), values={"received_at": local_now})


@bp.post("/complaints/new")
@roles_required(*OFFICE)
def complaint_create():
    check_csrf()
    form = request.form
    try:
        estate = db.session.get(Estate, uuid.UUID(form.get("estate_id", "")))
        if estate is None:
            raise ValueError
        local = datetime.fromisoformat(form.get("received_at", ""))
        received = local.replace(tzinfo=CHINA).astimezone(UTC).replace(tzinfo=None)
        complaint = record_complaint(me(), estate, form.get("channel", ""), form.get("text", ""), received,
                                     form.get("complainant_name", ""), form.get("complainant_phone", ""),
                                     form.get("reference", ""))
    except (TransitionRefused, ValueError) as exc:
        db.session.rollback()
        message = (str(exc) if isinstance(exc, TransitionRefused)
                   else "请选择小区并填写正确的受理时间 (choose an estate and a valid time)")
        return render_template("web/complaints/new.html", form=CsrfForm(), estates=_estate_choices(),
                               channels=list(ComplaintChannel), values=form, error=message), 400
    db.session.commit()
    flash("投诉已登记 (complaint recorded)", "ok")
    return redirect(url_for("web.complaint_page", complaint_id=complaint.id))


def _own(complaint_id: str) -> Complaint:
    complaint = get_or_404(Complaint, complaint_id)
    if not may_see_complaint(me(), complaint):
        abort(404)
    return complaint


@bp.get("/complaints/<complaint_id>")
@roles_required(*OFFICE)
def complaint_page(complaint_id: str):
    """投诉详情: what came in, the timeline of its handling, and the next steps."""
    complaint = _own(complaint_id)
    findings = []
    if complaint.inspection_id:
        findings = db.session.scalars(sa.select(Finding).where(
            Finding.inspection_id == complaint.inspection_id, Finding.deleted_at.is_(None))).all()
    if complaint.finding is not None:
        findings = [complaint.finding, *findings]
    templates = db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.office_id == complaint.office_id,
        ChecklistTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(ChecklistTemplate.published_at.desc())).all()
    return render_template("web/complaints/complaint.html", c=complaint, findings=findings, form=CsrfForm(),
                           timeline=_timeline(complaint), moment=now(), templates=templates,
                           inspectors=eligible_inspectors([complaint.estate]).get(complaint.estate_id, []),
                           severities=SEVERITY_LABELS, today=local_time(now()).date())


def _timeline(c: Complaint) -> list[tuple[datetime, str]]:
    events = [(c.received_at, f"受理（{CHANNEL_LABELS[c.channel]}）received")]
    if c.inspection is not None:
        events.append((c.inspection.created_at, "派发核查任务 verification task sent"))
        if c.inspection.finished_at:
            events.append((c.inspection.finished_at, "现场核查完成 verified on site"))
    if c.finding is not None:
        events.append((c.finding.found_at, "立为问题，进入整改 filed as a finding"))
    if c.replied_at:
        late = "" if c.replied_on_time else "（超期 late）"
        events.append((c.replied_at, f"答复{late} replied"))
    if c.closed_at:
        events.append((c.closed_at, f"办结：{SATISFACTION_LABELS[c.satisfaction]} closed"))
    return sorted(events, key=lambda e: e[0])


@bp.post("/complaints/<complaint_id>/<action>")
@roles_required(*OFFICE)
def complaint_action(complaint_id: str, action: str):
    """派发核查 / 立为问题 / 答复 / 办结."""
    check_csrf()
    complaint, form, actor, moment = _own(complaint_id), request.form, me(), now()

    def verify() -> None:
        allowed = {u.id: u for u in eligible_inspectors([complaint.estate]).get(complaint.estate_id, [])}
        people = [allowed[uuid.UUID(i)] for i in form.getlist("inspector_id") if uuid.UUID(i) in allowed]
        template_id = form.get("template_id")
        template = db.session.get(ChecklistTemplate, uuid.UUID(template_id)) if template_id else None
        day = date.fromisoformat(form.get("planned_for", ""))
        send_for_verification(complaint, people, task_day(day), actor, moment, template=template)

    actions = {
        "verify": (verify, "核查任务已派发到平板 (task sent to the tablets)"),
        "finding": (lambda: file_as_finding(complaint, form.get("category", ""), form.get("severity", ""),
                                            form.get("location", ""), actor, moment),
                    "已立为问题 (filed as a finding)"),
        "reply": (lambda: reply_to_complaint(complaint, form.get("reply", ""), actor, moment),
                  "已答复 (replied)"),
        "close": (lambda: close_complaint(complaint, form.get("satisfaction", ""), actor, moment),
                  "已办结 (closed)"),
    }
    if action not in actions:
        abort(404)
    run, done = actions[action]
    return act_then_redirect(run, done, url_for("web.complaint_page", complaint_id=complaint.id),
                             malformed="日期或选择格式错误 (malformed input)")


@bp.get("/complaints/import")
@roles_required(*OFFICE)
def complaint_import_page():
    """12345工单导入: the upload form and the columns it reads."""
    return render_template("web/complaints/import.html", form=CsrfForm(), columns=COLUMNS, required=REQUIRED)


@bp.post("/complaints/import")
@roles_required(*OFFICE)
def complaint_import():
    check_csrf()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择文件 (choose a file)", "error")
        return redirect(url_for("web.complaint_import_page"))
    error = ""
    try:
        result = import_hotline(me(), upload.stream, upload.filename)
    except (TransitionRefused, XlsxTooLarge) as exc:
        result = None
        error = str(exc)
    if result is None or not result.ok:
        db.session.rollback()
        return render_template("web/complaints/import.html", form=CsrfForm(), columns=COLUMNS,
                               required=REQUIRED, result=result,
                               error=error if result is None else result.file_error), 400
    db.session.commit()
    flash(f"已导入 {len(result.imported)} 件投诉 (imported {len(result.imported)})", "ok")
    return redirect(url_for("web.complaints", channel=ComplaintChannel.HOTLINE_12345.value))


@bp.get("/complaints/import/template.xlsx")
@roles_required(*OFFICE)
def complaint_import_template():
    """The import template: the header and one example row."""
    header, example = template_rows()
    columns = [Column(h, 22 if n != 4 else 50, lambda row, n=n: row[n]) for n, h in enumerate(header)]
    return send_xlsx(lambda out: write_xlsx(out, "12345工单", columns, [example]), "12345工单导入模板.xlsx")
