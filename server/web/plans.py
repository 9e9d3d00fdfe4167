"""双随机一公开 pages for office staff: the plan list, the draw form, a plan's page (re-draw to
verify, confirm, publish) and recusals. Views check input, call one service, commit, render."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for

from server.domain.finding_workflow import TransitionRefused
from server.domain.models import (
    OFFICE_ROLES,
    ChecklistTemplate,
    Company,
    Estate,
    InspectionPlan,
    ManagementType,
    PlanStatus,
    Recusal,
    Region,
    Role,
    TemplateStatus,
    User,
)
from server.domain.periods import Period, PeriodError
from server.domain.random_plans import (
    EXCLUSION_LABELS,
    PoolFilters,
    cancel_plan,
    confirm_plan,
    draw_new_plan,
    public_results,
    record_recusal,
    set_plan_published,
    verify_plan,
)
from server.domain.random_plans.plans import new_seed
from server.domain.rectification.access import estates_in_scope, region_prefix
from server.extensions import db
from server.web import bp
from server.web.form_input import check_csrf
from server.web.helpers import CsrfForm, get_or_404, me, now, roles_required

OFFICE = tuple(OFFICE_ROLES)
PLAN_STATUS_LABELS = {PlanStatus.DRAFT: "草稿 draft", PlanStatus.CONFIRMED: "已确认 confirmed",
                      PlanStatus.CANCELLED: "已作废 cancelled"}
MAX_ESTATES = 200


@bp.app_context_processor
def _plan_labels():
    # management_labels come from the register's pages (server/web/register.py), one set for all.
    return {"plan_status_labels": PLAN_STATUS_LABELS, "exclusion_labels": EXCLUSION_LABELS}


def _own_plan(plan_id: str) -> InspectionPlan:
    """A plan of my office drawn inside my area (a district's supervisor sees their district's)."""
    plan = get_or_404(InspectionPlan, plan_id)
    if plan.office_id != me().office_id or not _in_my_area(plan):
        abort(404)
    return plan


def _in_my_area(plan: InspectionPlan) -> bool:
    own = region_prefix(me())
    return own is None or (plan.filters.get("region_code_prefix") or "").startswith(own)


@bp.get("/plans")
@roles_required(*OFFICE)
def plans():
    """双随机计划: the office's plans, newest first."""
    rows = db.session.scalars(sa.select(InspectionPlan).where(InspectionPlan.office_id == me().office_id)
                              .order_by(InspectionPlan.created_at.desc()).limit(500)).all()
    rows = [plan for plan in rows if _in_my_area(plan)][:200]
    return render_template("web/plans/list.html", plans=rows)


def _form_choices(user: User) -> dict:
    office_id = user.office_id
    prefix = region_prefix(user) or ""
    regions = db.session.scalars(sa.select(Region).where(
        Region.office_id == office_id, Region.code.startswith(prefix)).order_by(Region.code)).all()
    companies = db.session.scalars(sa.select(Company).where(Company.office_id == office_id)
                                   .order_by(Company.name_pinyin)).all()
    templates = db.session.scalars(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.office_id == office_id, ChecklistTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(ChecklistTemplate.published_at.desc())).all()
    return {"regions": regions, "companies": companies, "templates": templates,
            "management_types": list(ManagementType)}


@bp.get("/plans/new")
@roles_required(*OFFICE)
def plan_new():
    """抽取新计划: the draw form, with a fresh seed the user may replace (e.g. a public number)."""
    return render_template("web/plans/new.html", form=CsrfForm(), values={"seed": new_seed()},
                           **_form_choices(me()))


def _filters_from(form) -> PoolFilters:
    try:
        since = date.fromisoformat(form["not_inspected_since"]) if form.get("not_inspected_since") else None
        companies = [uuid.UUID(c) for c in form.getlist("company_id") if c]
    except ValueError:
        raise TransitionRefused("invalid_input",
                                "日期或企业选择格式错误 (malformed date or company)") from None
    kinds = [ManagementType(m) for m in form.getlist("management_type") if m in set(ManagementType)]
    filters = PoolFilters(region_code_prefix=form.get("region_code", "").strip()[:12],
                          management_types=kinds, company_ids=companies, not_inspected_since=since)
    if form.get("star_period", "").strip():
        try:
            filters.star_period = Period.parse(form["star_period"].strip())
        except PeriodError as exc:
            raise TransitionRefused("invalid_input", str(exc)) from None
        try:
            filters.min_stars = int(form.get("min_stars", 1))
            filters.max_stars = int(form.get("max_stars", 5))
        except ValueError:
            raise TransitionRefused("invalid_input", "星级须为 1–5 的整数 (stars are 1 to 5)") from None
    return filters


@bp.post("/plans/new")
@roles_required(*OFFICE)
def plan_draw():
    """Draw a plan from the form (a draft until confirmed)."""
    check_csrf()
    form = request.form
    try:
        count = int(form.get("estate_count", ""))
        planned_for = date.fromisoformat(form.get("planned_for", ""))
        if not 1 <= count <= MAX_ESTATES:
            raise TransitionRefused("invalid_input",
                                    f"抽取数量须在 1 到 {MAX_ESTATES} 之间 (1–{MAX_ESTATES})")
        template_id = uuid.UUID(form["template_id"]) if form.get("template_id") else None
        plan = draw_new_plan(me(), form.get("title", ""), count, planned_for, _filters_from(form),
                             seed=form.get("seed"), template_id=template_id)
    except (TransitionRefused, ValueError) as exc:
        db.session.rollback()
        message = (str(exc) if isinstance(exc, TransitionRefused)
                   else "数量或日期格式错误 (malformed number or date)")
        return render_template("web/plans/new.html", form=CsrfForm(), values=form, error=message,
                               **_form_choices(me())), 400
    db.session.commit()
    flash(f"已抽取，随机种子 {plan.seed} (drawn with seed {plan.seed})", "ok")
    return redirect(url_for("web.plan_page", plan_id=plan.id))


@bp.get("/plans/<plan_id>")
@roles_required(*OFFICE)
def plan_page(plan_id: str):
    """计划详情: the draw with its seed, pools and exclusions, the pairs, and the results so far."""
    plan = _own_plan(plan_id)
    people = _people_of(plan)
    verification = verify_plan(plan) if request.args.get("verify") else None
    return render_template("web/plans/plan.html", plan=plan, people=people, form=CsrfForm(),
                           results={r.position: r for r in public_results(db.session, plan)},
                           verification=verification, estates=_estates_of(plan))


def _people_of(plan: InspectionPlan) -> dict[str, User]:
    ids = {uuid.UUID(i) for i in plan.inspector_pool}
    return {str(u.id): u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))} if ids else {}


def _estates_of(plan: InspectionPlan) -> dict[str, Estate]:
    ids = {uuid.UUID(i) for i in plan.exclusions}
    if not ids:
        return {}
    return {str(e.id): e for e in db.session.scalars(sa.select(Estate).where(Estate.id.in_(ids)))}


@bp.post("/plans/<plan_id>/<action>")
@roles_required(*OFFICE)
def plan_action(plan_id: str, action: str):
    """确认 / 作废 / 公开 / 撤回公开 a plan."""
    check_csrf()
    plan = _own_plan(plan_id)
    actions = {
        "confirm": (lambda: confirm_plan(plan, me(), now()),
                    "已确认，检查任务已下发到平板 (tasks sent to the tablets)"),
        "cancel": (lambda: cancel_plan(plan, me()), "计划已作废 (plan cancelled)"),
        "publish": (lambda: set_plan_published(plan, True, me()), "结果已公开 (results published)"),
        "unpublish": (lambda: set_plan_published(plan, False, me()), "已撤回公开 (taken down)"),
    }
    if action not in actions:
        abort(404)
    run, done = actions[action]
    return act_then_redirect(run, done, url_for("web.plan_page", plan_id=plan.id))


def act_then_redirect(run: Callable[[], object], done: str, back: str,
                      malformed: str = "输入格式错误 (malformed input)"):
    """Run one service: commit and say `done`, or roll back and show the refusal; back either way.
    A ValueError that is not a refusal is a malformed form field (a date, an id)."""
    try:
        run()
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, TransitionRefused) else malformed, "error")
        return redirect(back)
    db.session.commit()
    flash(done, "ok")
    return redirect(back)


@bp.get("/plans/recusals")
@roles_required(*OFFICE)
def recusals():
    """回避登记: who stands aside from which estate or company, and why."""
    user = me()
    rows = db.session.scalars(sa.select(Recusal).where(Recusal.office_id == user.office_id)
                              .order_by(Recusal.created_at.desc())).all()
    inspectors = db.session.scalars(sa.select(User).where(
        User.office_id == user.office_id, User.role == Role.INSPECTOR, User.active)
        .order_by(User.username)).all()
    estates = db.session.scalars(estates_in_scope(user).order_by(Estate.name_pinyin)).all()
    companies = db.session.scalars(sa.select(Company).where(Company.office_id == user.office_id)
                                   .order_by(Company.name_pinyin)).all()
    return render_template("web/plans/recusals.html", recusals=rows, inspectors=inspectors, estates=estates,
                           companies=companies, form=CsrfForm())


@bp.post("/plans/recusals")
@roles_required(*OFFICE)
def recusal_add():
    check_csrf()
    user, form = me(), request.form

    def record() -> None:
        inspector = db.session.get(User, uuid.UUID(form.get("inspector_id", "")))
        estate = db.session.get(Estate, uuid.UUID(form["estate_id"])) if form.get("estate_id") else None
        company_id = uuid.UUID(form["company_id"]) if form.get("company_id") else None
        if inspector is None or (estate is not None and estate.office_id != user.office_id):
            raise TransitionRefused("not_found", "所选人员或小区不存在 (no such inspector or estate)")
        record_recusal(user, inspector, form.get("reason", ""), estate=estate, company_id=company_id)

    return act_then_redirect(record, "已登记回避 (recusal recorded)", url_for("web.recusals"),
                             malformed="请选择检查人员 (choose an inspector)")
