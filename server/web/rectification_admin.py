"""The supervisor's levers on the rectification loop: the office's work calendar, handing a
revisit (回头看) to another inspector, escalating an overdue finding by hand (督办 / 约谈 /
行政处罚), and cancelling a notice (撤销整改通知书). Views stay thin: they read the form, call
one service, commit, and show a refusal as a flash message."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for

from server.domain.finding_workflow import TransitionRefused
from server.domain.models import OFFICE_ROLES, Finding, Notice, Office, Revisit, User
from server.domain.rectification import (
    assign_revisit,
    cancel_notice,
    escalate_finding,
    remove_calendar_day,
    set_calendar_day,
)
from server.domain.rectification.access import can_see_estate, can_see_notice
from server.domain.rectification.deadlines import (
    local_date,
    may_keep_calendar,
    office_exceptions,
    official_is_workday,
    official_year,
)
from server.domain.rectification.escalations import ESCALATION_LABELS
from server.domain.rectification.notices import NOTICE_STATUS_LABELS
from server.extensions import db
from server.web import bp
from server.web.helpers import CsrfForm, get_or_404, me, now, refuse, roles_required

OFFICE = tuple(OFFICE_ROLES)
FIRST_YEAR, LAST_YEAR = 2000, 2100
WEEKDAYS = "一二三四五六日"


@bp.app_context_processor
def _notice_labels():
    return {"notice_status_labels": NOTICE_STATUS_LABELS}


def _check_csrf() -> None:
    if not CsrfForm().validate_on_submit():
        abort(400, "CSRF token missing or invalid")


def _uuid(raw: str | None, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise TransitionRefused("invalid_input", f"请选择{what}") from None


# -- 工作日历 the office's work calendar --------------------------------------------------------

@bp.get("/calendar")
@roles_required(*OFFICE)
def work_calendar():
    """工作日历 The office's own holidays and make-up working days beside the official calendar."""
    year = request.args.get("year", type=int) or local_date(now()).year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    official = official_year(year)
    rows = [{"row": row, "weekday": WEEKDAYS[row.day.weekday()],
             "official_workday": official_is_workday(row.day), "official_name": official.name_of(row.day)}
            for row in office_exceptions(me().office_id, year)]
    editable = may_keep_calendar(db.session.get(Office, me().office_id), me())
    return render_template("web/calendar.html", year=year, official=official, rows=rows, form=CsrfForm(),
                           weekdays=WEEKDAYS, editable=editable)


@bp.post("/calendar")
@roles_required(*OFFICE)
def add_calendar_day():
    """添加例外 Add (or change) an office holiday or make-up working day."""
    _check_csrf()
    office = db.session.get(Office, me().office_id)
    kind = request.form.get("kind", "")
    try:
        day = date.fromisoformat(request.form.get("day", "").strip())
        if kind not in ("holiday", "workday"):
            raise TransitionRefused("invalid_input", "请选择休息日或工作日 (holiday or working day)")
        set_calendar_day(office, day, kind == "workday", me(), name=request.form.get("name", ""))
    except ValueError as exc:  # TransitionRefused, or a malformed date
        refuse(exc)
        return redirect(url_for("web.work_calendar", year=request.form.get("year", type=int)))
    db.session.commit()
    flash(f"已设置 {day} 为{'工作日' if kind == 'workday' else '休息日'} (calendar updated)", "ok")
    return redirect(url_for("web.work_calendar", year=day.year))


@bp.post("/calendar/remove")
@roles_required(*OFFICE)
def delete_calendar_day():
    """删除例外 Remove an exception: the day follows the official calendar again."""
    _check_csrf()
    office = db.session.get(Office, me().office_id)
    try:
        day = date.fromisoformat(request.form.get("day", "").strip())
        remove_calendar_day(office, day, me())
    except ValueError as exc:
        refuse(exc)
        return redirect(url_for("web.work_calendar", year=request.form.get("year", type=int)))
    db.session.commit()
    flash(f"已删除 {day} 的例外，按官方日历计算 (exception removed)", "ok")
    return redirect(url_for("web.work_calendar", year=day.year))


# -- 改派回头看 hand a revisit to another inspector ---------------------------------------------

@bp.post("/revisits/<revisit_id>/assign")
@roles_required(*OFFICE)
def reassign_revisit(revisit_id: str):
    """改派 Give a pending revisit to another inspector of the estate's region."""
    revisit = get_or_404(Revisit, revisit_id)
    if not can_see_estate(me(), revisit.finding.estate):
        abort(404)
    _check_csrf()
    try:
        inspector = db.session.get(User, _uuid(request.form.get("inspector_id"), "检查员 (an inspector)"))
        if inspector is None:
            raise TransitionRefused("invalid_input", "检查员不存在 (no such inspector)")
        assign_revisit(revisit, inspector, me(), now=now())
    except TransitionRefused as exc:
        refuse(exc)
        return redirect(url_for("web.revisits"))
    db.session.commit()
    flash(f"已改派给 {inspector.display_name} (revisit reassigned)", "ok")
    return redirect(url_for("web.revisits"))


# -- 人工升级 escalate an overdue finding by hand -----------------------------------------------

@bp.post("/findings/<finding_id>/escalate")
@roles_required(*OFFICE)
def escalate(finding_id: str):
    """督办 / 约谈 / 行政处罚 A supervisor escalates an overdue finding, with a note."""
    finding = get_or_404(Finding, finding_id)
    if not can_see_estate(me(), finding.estate):
        abort(404)
    _check_csrf()
    back = (url_for("web.notice", notice_id=finding.notice_id)
            if request.form.get("back") == "notice" and finding.notice_id
            else url_for("web.estate", estate_id=finding.estate_id))
    try:
        escalation = escalate_finding(finding, me(), now=now(), kind=request.form.get("kind") or None,
                                      note=request.form.get("note", "")[:2000])
    except TransitionRefused as exc:
        refuse(exc)
        return redirect(f"{back}#f-{finding.id}")
    db.session.commit()
    label = ESCALATION_LABELS[escalation.kind]
    flash(f"已{label}：{finding.category}，扣企业信用 {escalation.credit_points} 分 "
          f"(escalated: {escalation.kind.value})", "ok")
    return redirect(f"{back}#f-{finding.id}")


# -- 撤销整改通知书 cancel a notice ----------------------------------------------------------------

@bp.post("/notices/<notice_id>/cancel")
@roles_required(*OFFICE)
def cancel(notice_id: str):
    """撤销整改通知书 Withdraw a notice issued in error; its findings go back to the open ledger."""
    notice = get_or_404(Notice, notice_id)
    if not can_see_notice(me(), notice):
        abort(404)
    _check_csrf()
    try:
        cancel_notice(notice, me(), request.form.get("reason", ""), now())
    except TransitionRefused as exc:
        refuse(exc)
        return redirect(url_for("web.notice", notice_id=notice.id))
    db.session.commit()
    flash(f"已撤销整改通知书 {notice.label}，所列问题已退回待处理 (notice cancelled)", "ok")
    return redirect(url_for("web.notice", notice_id=notice.id))
