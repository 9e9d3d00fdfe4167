"""回头看: the follow-up visit that verifies a fix, closing the finding or reopening it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from server.domain.audit import record_audit
from server.domain.finding_workflow import TransitionRefused, transition_finding
from server.domain.models import (
    FIELD_ROLES,
    OFFICE_ROLES,
    Estate,
    Finding,
    FindingStatus,
    Notice,
    NoticeStatus,
    Rectification,
    RectificationStatus,
    Region,
    Revisit,
    RevisitResult,
    RevisitStatus,
    Role,
    User,
)
from server.domain.rectification.access import can_see_estate
from server.domain.rectification.deadlines import (
    DayKind,
    deadline_after,
    deadline_on,
    default_days,
    office_calendar,
)
from server.domain.rectification.reminders import cancel_reminders, hand_over_reminders, plan_reminders
from server.domain.rectification.settings import setting
from server.extensions import db

S = FindingStatus


def _inspector_rule(office_id, region_code) -> list[sa.ColumnElement[bool]]:
    """Who may take a revisit (回头看) of an estate: an active office inspector (never a
    company's own staff, who would verify their own fix) whose region contains the estate's,
    or one with the whole office. `office_id` and `region_code` are values or columns; the
    query must outer-join Region on User.region_id."""
    code = sa.literal(region_code) if isinstance(region_code, str) else region_code
    return [User.office_id == office_id, User.role == Role.INSPECTOR, User.active.is_(True),
            User.company_id.is_(None), sa.or_(User.region_id.is_(None), code.startswith(Region.code))]


def pick_inspector(finding: Finding) -> User | None:
    """The inspector of the finding's region with the fewest pending revisits.

    Inspectors of the estate's own area come before office-wide ones; ties go by username so
    the choice is repeatable.
    """
    pending = (
        sa.select(sa.func.count(Revisit.id))
        .where(Revisit.inspector_id == User.id, Revisit.status == RevisitStatus.PENDING)
        .correlate(User)
        .scalar_subquery()
    )
    query = (
        sa.select(User)
        .outerjoin(Region, Region.id == User.region_id)
        .where(*_inspector_rule(finding.office_id, finding.region_code))
        # Inspectors of the estate's own area before office-wide ones, then the least loaded.
        .order_by(User.region_id.is_(None), pending, User.username)
        .limit(1)
    )
    return db.session.scalars(query).first()


def eligible_inspectors(estates: Iterable[Estate]) -> dict[uuid.UUID, list[User]]:
    """estate id → the inspectors a revisit there may be given to (the rule of pick_inspector),
    regional ones first, in one query for a whole page of revisits."""
    ids = list({e.id for e in estates})
    result: dict[uuid.UUID, list[User]] = {estate_id: [] for estate_id in ids}
    if not ids:
        return result
    rows = db.session.execute(
        sa.select(Estate.id, User)
        .select_from(Estate)
        .join(User, sa.true())
        .outerjoin(Region, Region.id == User.region_id)
        .where(Estate.id.in_(ids), *_inspector_rule(Estate.office_id, Estate.region_code))
        .order_by(Estate.id, User.region_id.is_(None), User.username))
    for estate_id, user in rows:
        result[estate_id].append(user)
    return result


def ensure_revisit(finding: Finding, *, now: datetime, trigger: str) -> Revisit:
    """The finding's pending revisit task, created and assigned if there is none yet."""
    revisit = db.session.scalars(
        sa.select(Revisit).where(Revisit.finding_id == finding.id, Revisit.status == RevisitStatus.PENDING)
    ).first()
    if revisit is not None:
        if trigger == "reported" and revisit.trigger != "reported":
            revisit.trigger = "reported"  # the company says it is fixed: now there is something to verify
        return revisit
    inspector = pick_inspector(finding)
    calendar = office_calendar(finding.office_id)
    revisit = Revisit(
        finding_id=finding.id, region_code=finding.region_code, trigger=trigger,
        inspector_id=inspector.id if inspector else None,
        due_at=deadline_after(now, int(setting("REVISIT_WORKING_DAYS")), DayKind.WORKING, calendar),
        status=RevisitStatus.PENDING,
    )
    db.session.add(revisit)
    db.session.flush()
    record_audit(None, "create_revisit", revisit,
                 {"finding_id": finding.id, "trigger": trigger, "inspector_id": revisit.inspector_id,
                  "due_at": revisit.due_at}, office_id=finding.office_id)
    return revisit


def assign_revisit(revisit: Revisit, inspector: User, actor: User, *, now: datetime) -> Revisit:
    """A supervisor hands a revisit to another inspector of the region; the reminders the
    responsible inspector was still to get about the finding go to the new one."""
    finding = revisit.finding
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    if actor.role not in OFFICE_ROLES or not can_see_estate(actor, estate):
        raise TransitionRefused("forbidden", "只有本区域科室负责人可以分派回头看任务")
    eligible = db.session.scalar(
        sa.select(User.id).outerjoin(Region, Region.id == User.region_id)
        .where(User.id == inspector.id, *_inspector_rule(finding.office_id, finding.region_code)))
    if eligible is None:
        raise TransitionRefused("invalid_input", "只能分派给负责该小区所在区域的检查员")
    if revisit.status != RevisitStatus.PENDING:
        raise TransitionRefused("invalid_transition", "回头看任务已完成或已取消")
    before = revisit.inspector_id
    if before == inspector.id:
        return revisit
    revisit.inspector_id = inspector.id
    # Until now the reminders named this revisit's inspector, or the finder while it had none.
    responsible = before or finding.reported_by_id
    moved = hand_over_reminders(finding, responsible, inspector, now) if responsible else 0
    record_audit(actor, "assign_revisit", revisit,
                 {"from": before, "to": inspector.id, "at": now, "reminders_moved": moved},
                 office_id=finding.office_id)
    db.session.flush()
    return revisit


def record_revisit_result(
    revisit: Revisit,
    actor: User,
    result: RevisitResult | str,
    *,
    now: datetime,
    note: str = "",
    done_at: datetime | None = None,
    new_due_on: date | None = None,
) -> Revisit:
    """Record what the inspector saw: `fixed` closes the finding (销号), `not_fixed` reopens
    it with a new deadline (`new_due_on`, or the finding's default days from `now`).

    Idempotent for the sync API: the same result recorded twice changes nothing; a different
    result on a finished revisit is refused. Raises TransitionRefused with a reason.
    """
    try:
        result = RevisitResult(result)
    except ValueError:
        raise TransitionRefused(
            "invalid_input", f"回头看结果只能是 fixed 或 not_fixed, got {result!r}") from None
    finding = revisit.finding or db.session.get(Finding, revisit.finding_id)
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    if actor.role not in FIELD_ROLES or actor.company_id is not None or not can_see_estate(actor, estate):
        raise TransitionRefused("forbidden", "只有本区域的检查员或科室负责人可以记录回头看结果")
    if actor.role not in OFFICE_ROLES and revisit.inspector_id not in (None, actor.id):
        # Supervisors may stand in for anyone in their area; inspectors answer for their own.
        raise TransitionRefused("forbidden", "该回头看任务已指派给其他检查员 "
                                             "(this revisit is assigned to another inspector)")
    if revisit.status == RevisitStatus.DONE:
        if revisit.result == result:
            return revisit
        raise TransitionRefused("revisit_done", "该回头看任务已记录了不同的结果，不能更改")
    if revisit.status == RevisitStatus.CANCELLED:
        raise TransitionRefused("invalid_transition", "该回头看任务已取消")
    when = done_at or now
    if result == RevisitResult.FIXED:
        transition_finding(finding, "verify_fixed", actor, at=when, note=note)
        cancel_reminders(finding, now)
        _settle_rectifications(finding, RectificationStatus.ACCEPTED)
        _close_notice_if_done(finding, now)
    else:
        new_due = _new_deadline(finding, now, new_due_on)
        transition_finding(finding, "verify_not_fixed", actor, at=when, due_at=new_due, note=note)
        finding.next_escalation_at = None
        _settle_rectifications(finding, RectificationStatus.REJECTED)
        plan_reminders(finding, now)
    revisit.status = RevisitStatus.DONE
    revisit.result = result
    revisit.done_at = when
    revisit.note = note or revisit.note
    revisit.done_by_id = actor.id
    if revisit.inspector_id is None:
        revisit.inspector_id = actor.id
    record_audit(actor, "record_revisit_result", revisit,
                 {"finding_id": finding.id, "result": result.value, "at": when, "note": note,
                  "new_due_at": finding.due_at if result == RevisitResult.NOT_FIXED else None},
                 office_id=finding.office_id)
    db.session.flush()
    return revisit


def _new_deadline(finding: Finding, now: datetime, new_due_on: date | None) -> datetime:
    if new_due_on is not None:
        return deadline_on(new_due_on, now)
    notice = db.session.get(Notice, finding.notice_id) if finding.notice_id else None
    kind = DayKind(notice.day_kind) if notice is not None else DayKind.CALENDAR
    return deadline_after(now, default_days(finding), kind, office_calendar(finding.office_id))


def _settle_rectifications(finding: Finding, status: RectificationStatus) -> None:
    for rect in db.session.scalars(sa.select(Rectification).where(
            Rectification.finding_id == finding.id, Rectification.status == RectificationStatus.SUBMITTED)):
        rect.status = status


def _close_notice_if_done(finding: Finding, now: datetime) -> None:
    if finding.notice_id is None:
        return
    notice = db.session.get(Notice, finding.notice_id)
    if notice is None or notice.status != NoticeStatus.ISSUED:
        return
    open_left = db.session.scalar(sa.select(sa.func.count()).select_from(Finding).where(
        Finding.notice_id == notice.id, Finding.status != S.CLOSED, Finding.id != finding.id))
    if not open_left:
        notice.status = NoticeStatus.CLOSED
        record_audit(None, "close_notice", notice, {"at": now, "label": notice.label})


def pending_revisits(user: User) -> sa.Select:
    return (sa.select(Revisit).where(Revisit.inspector_id == user.id, Revisit.status == RevisitStatus.PENDING)
            .order_by(Revisit.due_at))

