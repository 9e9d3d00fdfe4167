"""量化考核 The office's assessment pages: the rules (draft, publish, file import/export), the
period's scores with the rows behind them, red and black lists, star ratings, runs, and the
penalties and commendations. Office staff only; the rules, runs and records need office-wide staff."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for

from server.domain import assessment
from server.domain.assessment import credit_records
from server.domain.assessment import rules as assessment_rules
from server.domain.assessment import runs as assessment_runs
from server.domain.assessment.rules import RulesError
from server.domain.dashboard.scope import scope_prefix as area_prefix
from server.domain.models import OFFICE_ROLES, Company, RuleSet
from server.domain.periods import Period, PeriodError
from server.domain.rectification.access import covers_whole_office
from server.domain.rectification.deadlines import local_date
from server.extensions import db
from server.web import bp
from server.web.form_input import check_csrf
from server.web.helpers import CsrfForm, get_or_404, me, now, roles_required

_OFFICE = tuple(OFFICE_ROLES)


def _period(kind: str = "month") -> Period:
    """The period in the URL (?period=2026-10), else the last complete month (or year)."""
    raw = request.args.get("period", "").strip()
    if raw:
        try:
            return Period.parse(raw)
        except PeriodError as exc:
            flash(str(exc), "error")
    today = local_date(now())
    return Period.containing(kind, today).previous()


def _office_wide() -> None:
    if not covers_whole_office(me()):
        abort(403)


def _refused(exc: RulesError, target: str, **values):
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url_for(target, **values))


# -- rules ------------------------------------------------------------------------------------

@bp.get("/assessment/rules")
@roles_required(*_OFFICE)
def assessment_rules_page():
    """考核细则: the versions, and the draft to edit (the template when there is none)."""
    office_id = me().office_id
    draft = assessment_rules.draft(db.session, office_id)
    text = assessment_rules.rules_file(
        draft.rules if draft else _newest_rules(office_id))
    return render_template("web/assessment/rules.html",
                           versions=assessment_rules.versions(db.session, office_id),
                           draft=draft, text=text, form=CsrfForm(), may_edit=covers_whole_office(me()),
                           today=local_date(now()))


def _newest_rules(office_id) -> dict:
    published = [v for v in assessment_rules.versions(db.session, office_id) if v.status == "published"]
    return published[0].rules if published else assessment_rules.template_rules()


@bp.post("/assessment/rules/draft")
@roles_required(*_OFFICE)
def save_assessment_draft():
    check_csrf()
    _office_wide()
    try:
        rules = assessment_rules.parse_rules_file(request.form.get("rules", ""))
        assessment_rules.save_draft(db.session, me().office_id, rules, request.form.get("note", "").strip())
    except RulesError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        # The text typed stays on the page, so nothing the user wrote is lost.
        return render_template("web/assessment/rules.html", form=CsrfForm(), may_edit=True,
                               versions=assessment_rules.versions(db.session, me().office_id),
                               draft=assessment_rules.draft(db.session, me().office_id),
                               text=request.form.get("rules", ""), today=local_date(now())), 400
    db.session.commit()
    flash("草稿已保存 (draft saved)", "ok")
    return redirect(url_for("web.assessment_rules_page"))


@bp.post("/assessment/rules/import")
@roles_required(*_OFFICE)
def import_assessment_rules():
    """导入: a rules file (JSON, as exported) becomes the draft."""
    check_csrf()
    _office_wide()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择文件 (choose a file)", "error")
        return redirect(url_for("web.assessment_rules_page"))
    try:
        rules = assessment_rules.parse_rules_file(upload.read(1_000_000))
        assessment_rules.save_draft(db.session, me().office_id, rules, f"导入自 {upload.filename}"[:200])
    except RulesError as exc:
        return _refused(exc, "web.assessment_rules_page")
    db.session.commit()
    flash("已导入为草稿，请检查后发布 (imported as the draft)", "ok")
    return redirect(url_for("web.assessment_rules_page"))


@bp.post("/assessment/rules/publish")
@roles_required(*_OFFICE)
def publish_assessment_rules():
    check_csrf()
    _office_wide()
    try:
        effective_from = date.fromisoformat(request.form.get("effective_from", ""))
    except ValueError:
        flash("生效日期格式应为 2026-12-01 (the start date must look like 2026-12-01)", "error")
        return redirect(url_for("web.assessment_rules_page"))
    try:
        row = assessment_rules.publish_draft(db.session, me().office_id, effective_from, me())
    except RulesError as exc:
        return _refused(exc, "web.assessment_rules_page")
    db.session.commit()
    flash(f"第 {row.version} 版已发布，自 {effective_from.isoformat()} 起适用 (published)", "ok")
    return redirect(url_for("web.assessment_rules_page"))


def _rules_download(rules: dict, name: str) -> Response:
    response = Response(assessment_rules.rules_file(rules), mimetype="application/json")
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@bp.get("/assessment/rules/template.json")
@roles_required(*_OFFICE)
def assessment_rules_template():
    return _rules_download(assessment_rules.template_rules(), "assessment-rules-template.json")


@bp.get("/assessment/rules/<rule_set_id>.json")
@roles_required(*_OFFICE)
def export_assessment_rules(rule_set_id: str):
    row = get_or_404(RuleSet, rule_set_id)
    if row.office_id != me().office_id:
        abort(404)
    return _rules_download(row.rules, f"assessment-rules-v{row.version}.json")


# -- scores, lists, stars, runs -----------------------------------------------------------------

@bp.get("/assessment")
@roles_required(*_OFFICE)
def assessment_scores():
    """考核得分: the period's estate and company scores, each with the rows it came from."""
    period = _period()
    office_id, prefix = me().office_id, area_prefix(me())
    in_force = assessment_rules.rules_in_force(db.session, office_id, period)
    return render_template(
        "web/assessment/scores.html", period=period, in_force=in_force,
        estates=assessment.estate_scores(db.session, office_id, period, prefix),
        companies=assessment.company_scores(db.session, office_id, period, prefix),
        run=assessment_rules.latest_run(db.session, office_id, period),
        versions=[v for v in assessment_rules.versions(db.session, office_id) if v.status == "published"],
        form=CsrfForm(), may_edit=covers_whole_office(me()))


@bp.get("/assessment/red-black")
@roles_required(*_OFFICE)
def assessment_red_black():
    """红黑榜 for a month or quarter, as the office will publish it."""
    period = _period()
    office_id = me().office_id
    lists = assessment.red_black_lists(db.session, office_id, period, n=None,
                                       region_code_prefix=area_prefix(me()))
    return render_template("web/assessment/red_black.html", period=period, lists=lists,
                           run=assessment_rules.latest_run(db.session, office_id, period), form=CsrfForm(),
                           may_edit=covers_whole_office(me()) and area_prefix(me()) is None)


@bp.get("/assessment/stars")
@roles_required(*_OFFICE)
def assessment_stars():
    """星级评定 with the previous periods' stars beside them."""
    period = _period("year")
    office_id = me().office_id
    ratings = assessment.star_ratings(db.session, office_id, period, area_prefix(me()))
    history = assessment.star_history(db.session, office_id, period.previous(), count=3)
    return render_template("web/assessment/stars.html", period=period, ratings=ratings, history=history,
                           run=assessment_rules.latest_run(db.session, office_id, period), form=CsrfForm(),
                           may_edit=covers_whole_office(me()) and area_prefix(me()) is None)


@bp.post("/assessment/runs")
@roles_required(*_OFFICE)
def record_assessment_run():
    """计算并记录: pin the period to a version (the one in force, or another: a re-run)."""
    check_csrf()
    _office_wide()
    back = request.form.get("back", "scores")
    target = {"scores": "web.assessment_scores", "lists": "web.assessment_red_black",
              "stars": "web.assessment_stars"}.get(back, "web.assessment_scores")
    try:
        period = Period.parse(request.form.get("period", ""))
    except PeriodError as exc:
        flash(str(exc), "error")
        return redirect(url_for(target))
    office_id = me().office_id
    chosen = None
    if request.form.get("rule_set_id"):
        chosen = get_or_404(RuleSet, request.form["rule_set_id"])
    chosen = chosen or assessment_rules.rules_in_force(db.session, office_id, period)
    try:
        if chosen is None:
            raise RulesError("尚未发布考核细则 / no rules have been published yet")
        if request.form.get("publish") == "1" and period.end > local_date(now()):
            raise RulesError("本期尚未结束，不能公布 / the period has not ended yet")
        assessment_runs.record_run(db.session, office_id, period, chosen, me(),
                                   published=request.form.get("publish") == "1",
                                   note=request.form.get("note", "").strip()[:500])
    except RulesError as exc:
        return _refused(exc, target, period=period.key)
    db.session.commit()
    flash(f"{period.label_zh} 已按第 {chosen.version} 版计算并记录 (recorded)", "ok")
    return redirect(url_for(target, period=period.key))


@bp.post("/assessment/runs/withdraw")
@roles_required(*_OFFICE)
def withdraw_assessment_run():
    """撤回公布: the period's lists leave the public pages (the run stays on record)."""
    check_csrf()
    _office_wide()
    try:
        period = Period.parse(request.form.get("period", ""))
        assessment_runs.set_published(db.session, me().office_id, period, False)
    except (PeriodError, RulesError) as exc:
        return _refused(RulesError(str(exc)), "web.assessment_red_black")
    db.session.commit()
    flash("已撤回公布 (withdrawn from the public pages)", "ok")
    return redirect(url_for("web.assessment_red_black", period=period.key))


# -- penalties and commendations ---------------------------------------------------------------

@bp.get("/assessment/credit-records")
@roles_required(*_OFFICE)
def credit_records_page():
    """奖惩记录: penalties and commendations counted in company credit."""
    office_id = me().office_id
    companies = db.session.query(Company).filter(Company.office_id == office_id,
                                                 Company.deleted_at.is_(None)).order_by(Company.name_pinyin).all()
    return render_template("web/assessment/credit_records.html", form=CsrfForm(), companies=companies,
                           records=credit_records.records_of(db.session, office_id),
                           kinds=credit_records.KINDS_ZH, may_edit=covers_whole_office(me()),
                           today=local_date(now()),
                           values=request.args)


@bp.post("/assessment/credit-records")
@roles_required(*_OFFICE)
def add_credit_record():
    check_csrf()
    _office_wide()
    fields = {name: request.form.get(name, "") for name in
              ("company_id", "kind", "occurred_on", "title", "points", "note")}
    try:
        credit_records.add_record(db.session, me().office_id, me(), **fields)
    except RulesError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        # Back to the form with what was typed, so nothing is lost.
        return redirect(url_for("web.credit_records_page", **fields))
    db.session.commit()
    flash("已记录 (recorded)", "ok")
    return redirect(url_for("web.credit_records_page"))


@bp.post("/assessment/credit-records/<record_id>/withdraw")
@roles_required(*_OFFICE)
def withdraw_credit_record(record_id: str):
    check_csrf()
    _office_wide()
    try:
        credit_records.withdraw_record(db.session, me().office_id, get_or_404_id(record_id))
    except RulesError as exc:
        return _refused(exc, "web.credit_records_page")
    db.session.commit()
    flash("已撤销该记录 (withdrawn)", "ok")
    return redirect(url_for("web.credit_records_page"))


def get_or_404_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        abort(404)
