"""双随机一公开: draw a plan, re-draw it to verify, confirm it into inspections, publish it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import (
    OFFICE_ROLES,
    ChecklistTemplate,
    Estate,
    Inspection,
    InspectionKind,
    InspectionPlan,
    InspectionStatus,
    PlanEntry,
    PlanStatus,
    Recusal,
    TemplateStatus,
    User,
)
from server.domain.random_plans.draw import ALGORITHM, DrawError, DrawnEntry, draw_plan
from server.domain.random_plans.pool import (
    PoolFilters,
    estate_pool,
    exclusions_for,
    inspector_pool,
)
from server.domain.rectification.access import region_prefix, require_estate
from server.domain.rectification.deadlines import utc_at
from server.extensions import db

TITLE_MAX = 100
SEED_MAX = 40
# Planned visits show on the tablet at the start of the local working day.
PLANNED_HOUR = time(9, 0)


def new_seed() -> str:
    return secrets.token_hex(8)


def _require_planner(actor: User) -> None:
    if actor.role not in OFFICE_ROLES:
        raise TransitionRefused("forbidden", "只有督导或管理员可以抽取计划 "
                                             "(only supervisors and admins draw plans)")


def _scoped_filters(actor: User, filters: PoolFilters) -> PoolFilters:
    """A district's supervisor draws only inside their district, whatever the form said."""
    own = region_prefix(actor)
    if own and not filters.region_code_prefix.startswith(own):
        if filters.region_code_prefix and not own.startswith(filters.region_code_prefix):
            raise TransitionRefused("forbidden", "所选区域不在您的范围内 (region outside your scope)")
        filters.region_code_prefix = own
    return filters


def draw_new_plan(actor: User, title: str, estate_count: int, planned_for: date, filters: PoolFilters,
                  seed: str | None = None, template_id: uuid.UUID | None = None,
                  audit: bool = True) -> InspectionPlan:
    """Record the pools and exclusions as they are now, draw from the seed, keep it as a draft.
    (`audit=False` only for the demo city, whose rows must be the same on every build.)"""
    _require_planner(actor)
    title = (title or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise TransitionRefused("invalid_input", f"请填写计划名称（不超过 {TITLE_MAX} 字） (title required)")
    seed = (seed or "").strip() or new_seed()
    if len(seed) > SEED_MAX:
        raise TransitionRefused("invalid_input", f"随机种子不能超过 {SEED_MAX} 个字符 (seed too long)")
    template = _template(actor.office_id, template_id)
    filters = _scoped_filters(actor, filters)
    estates = estate_pool(actor.office_id, filters)
    inspectors = inspector_pool(actor.office_id)
    exclusions = exclusions_for(actor.office_id, estates, inspectors)
    # An estate no two eligible inspectors may visit cannot be drawn; it leaves the pool (and is
    # named on the plan page) instead of failing the whole draw.
    unpaired = [e for e in estates if len(inspectors) - len(exclusions.get(str(e.id), {})) < 2]
    if unpaired:
        estates = [e for e in estates if e not in unpaired]
        for estate in unpaired:
            exclusions.pop(str(estate.id), None)
    record = {**filters.as_record(), "unpaired": [str(e.id) for e in unpaired]}
    plan = InspectionPlan(
        office_id=actor.office_id, title=title, seed=seed, algorithm=ALGORITHM, estate_count=estate_count,
        planned_for=planned_for, template_id=template.id if template else None,
        filters=record, estate_pool=[str(e.id) for e in estates],
        inspector_pool=[str(u.id) for u in inspectors], exclusions=exclusions, created_by_id=actor.id)
    try:
        drawn = redraw(plan)
    except DrawError as exc:
        raise TransitionRefused("invalid_input", str(exc)) from exc
    plan.entries = [PlanEntry(position=n, estate_id=uuid.UUID(e.estate_id),
                              inspector_ids=list(e.inspector_ids)) for n, e in enumerate(drawn, start=1)]
    db.session.add(plan)
    if audit:
        record_audit(actor, "draw_plan", plan, {"seed": seed, "estate_count": estate_count,
                                                "pool": len(estates), "inspectors": len(inspectors)})
    db.session.flush()
    return plan


def _template(office_id: uuid.UUID, template_id: uuid.UUID | None) -> ChecklistTemplate | None:
    """The chosen published checklist, else the office's newest published one."""
    query = sa.select(ChecklistTemplate).where(ChecklistTemplate.office_id == office_id,
                                               ChecklistTemplate.status == TemplateStatus.PUBLISHED)
    if template_id:
        template = db.session.scalar(query.where(ChecklistTemplate.id == template_id))
        if template is None:
            raise TransitionRefused("invalid_input", "检查表不存在或未发布 (checklist not published)")
        return template
    return db.session.scalar(query.order_by(ChecklistTemplate.published_at.desc()).limit(1))


def redraw(plan: InspectionPlan) -> list[DrawnEntry]:
    """Run the plan's draw again from what it recorded (seed, pools, exclusions)."""
    return draw_plan(plan.seed, plan.estate_pool, plan.inspector_pool, plan.exclusions,
                     plan.estate_count, plan.algorithm)


@dataclass(frozen=True)
class Verification:
    matches: bool
    recorded: list[DrawnEntry]
    redrawn: list[DrawnEntry]


def verify_plan(plan: InspectionPlan) -> Verification:
    """Does the recorded draw equal a fresh draw from the same seed and pools?"""
    recorded = [DrawnEntry(str(e.estate_id), tuple(sorted(e.inspector_ids)))  # type: ignore[arg-type]
                for e in plan.entries]
    try:
        redrawn = redraw(plan)
    except DrawError:
        redrawn = []
    return Verification(recorded == redrawn, recorded, redrawn)


def confirm_plan(plan: InspectionPlan, actor: User, now: datetime) -> list[Inspection]:
    """Turn each drawn estate into a PLANNED random inspection of its pair; the tablets of the
    pair receive it on their next sync like any other task."""
    _require_planner(actor)
    if plan.status != PlanStatus.DRAFT:
        raise TransitionRefused("invalid_state", "只有草稿计划可以确认 (only a draft plan can be confirmed)")
    if not verify_plan(plan).matches:
        raise TransitionRefused("invalid_state", "计划与种子重抽结果不一致 (plan differs from its re-draw)")
    users = {str(u.id): u for u in db.session.scalars(
        sa.select(User).where(User.id.in_([uuid.UUID(i) for e in plan.entries for i in e.inspector_ids])))}
    inspections = []
    for entry in plan.entries:
        estate = db.session.get(Estate, entry.estate_id)
        require_estate(actor, estate)
        visit = Inspection(
            office_id=plan.office_id, estate_id=estate.id, region_code=estate.region_code,
            template_id=plan.template_id, kind=InspectionKind.RANDOM, status=InspectionStatus.PLANNED,
            planned_for=utc_at(plan.planned_for, PLANNED_HOUR), created_by_id=actor.id,
            note=f"双随机抽查：{plan.title}（第{entry.position}号）")
        visit.inspectors.extend(users[i] for i in entry.inspector_ids)
        db.session.add(visit)
        db.session.flush()
        entry.inspection_id = visit.id
        inspections.append(visit)
    plan.status, plan.confirmed_at, plan.confirmed_by_id = PlanStatus.CONFIRMED, now, actor.id
    record_audit(actor, "confirm_plan", plan, {"inspections": len(inspections)})
    db.session.flush()
    return inspections


def cancel_plan(plan: InspectionPlan, actor: User) -> None:
    """Drop a draft (a confirmed plan's visits are cancelled one by one, as any inspection)."""
    _require_planner(actor)
    if plan.status != PlanStatus.DRAFT:
        raise TransitionRefused("invalid_state", "已确认的计划不能作废 (a confirmed plan stays)")
    plan.status = PlanStatus.CANCELLED
    record_audit(actor, "cancel_plan", plan)
    db.session.flush()


def set_plan_published(plan: InspectionPlan, published: bool, actor: User) -> None:
    """Make the plan's results public (一公开) or take them down."""
    _require_planner(actor)
    if published and plan.status != PlanStatus.CONFIRMED:
        raise TransitionRefused("invalid_state", "确认后才能公开 (confirm the plan before publishing)")
    plan.published = published
    record_audit(actor, "publish_plan" if published else "unpublish_plan", plan)
    db.session.flush()


REASON_MAX = 200


def record_recusal(actor: User, inspector: User, reason: str, estate: Estate | None = None,
                   company_id: uuid.UUID | None = None) -> Recusal:
    """An inspector stands aside from an estate, or from every estate of a company, for a reason."""
    _require_planner(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise TransitionRefused("invalid_input",
                                f"请填写回避原因（不超过 {REASON_MAX} 字） (reason required)")
    if (estate is None) == (company_id is None):
        raise TransitionRefused("invalid_input", "请选择一个小区或一家企业 (choose an estate or a company)")
    if inspector.office_id != actor.office_id:
        raise TransitionRefused("not_found", "检查人员不存在 (no such inspector)")
    recusal = Recusal(office_id=actor.office_id, inspector_id=inspector.id, reason=reason,
                      estate_id=estate.id if estate else None, company_id=company_id, created_by_id=actor.id)
    db.session.add(recusal)
    record_audit(actor, "record_recusal", recusal, {"inspector": str(inspector.id), "reason": reason})
    db.session.flush()
    return recusal
