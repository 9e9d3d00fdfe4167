"""Telling people (通知): the loop's events and the 回头看 reminders, on the reminders' own
exactly-once machinery (a `reminder` row per recipient and channel, delivered by the scheduler).

They are planned from the audit trail: every service that changes the loop writes an audit
entry, and `after_audit` turns the entries that concern someone into messages, in the same
transaction. So no service has to know who is told, and no path (web, sync, scheduler, CLI)
can change the loop without the people concerned hearing of it.

- notice issued → the addressed company's (or responsible unit's) users;
- deadline changed → them and the responsible inspector;
- fix reported → the supervisor who issued the notice and the revisit's inspector;
- revisit passed / failed (its note, its photos) and escalations → the company and the issuer;
- a revisit created → its inspector is reminded before it is due, on the day and the day after
  (then also the supervisors of its area); reassigning moves them, finishing cancels them.
Nobody is told of what they did themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from server.domain.models import (
    Escalation,
    Estate,
    Finding,
    Notice,
    NoticeStatus,
    Rectification,
    Region,
    Reminder,
    ReminderKind,
    Revisit,
    RevisitResult,
    RevisitStatus,
    Role,
    User,
)
from server.domain.models.base import utcnow
from server.domain.rectification.deadlines import local_date, utc_at
from server.domain.rectification.reminders import add_reminder, channels_for
from server.domain.rectification.settings import setting
from server.extensions import db

K = ReminderKind
EVENT_KINDS = frozenset({K.NOTICE_ISSUED, K.DEADLINE_CHANGED, K.FIX_REPORTED, K.REVISIT_PASSED,
                         K.REVISIT_FAILED, K.ESCALATED})
REVISIT_KINDS = frozenset({K.REVISIT_BEFORE, K.REVISIT_DUE, K.REVISIT_OVERDUE, K.REVISIT_LATE_SUPERVISOR})
INSPECTOR_REVISIT_KINDS = REVISIT_KINDS - {K.REVISIT_LATE_SUPERVISOR}

# (action, entity type) → handler; the workflow's transitions audit the finding under the same
# action names as the services audit their own records (issue_notice on a Notice, say).
_handlers: dict[tuple[str, type], Callable[[User | None, Any, dict[str, Any]], None]] = {}


def _on(action: str, entity_type: type):
    def register(handler):
        _handlers[(action, entity_type)] = handler
        return handler
    return register


def after_audit(actor: User | None, action: str, entity: Any, changes: dict[str, Any]) -> None:
    """Called by record_audit for every entry; plans the messages the action calls for."""
    handler = _handlers.get((action, type(entity)))
    if handler is not None:
        handler(actor, entity, changes)


# --- who ----------------------------------------------------------------------------------------

def _company_users(company_id: uuid.UUID | None) -> list[User]:
    if company_id is None:
        return []
    return list(db.session.scalars(sa.select(User).where(
        User.company_id == company_id, User.role == Role.COMPANY, User.active.is_(True))
        .order_by(User.username)))


def _staff(user_ids: Iterable[uuid.UUID | None]) -> list[User]:
    ids = [uid for uid in dict.fromkeys(user_ids) if uid]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    return [found[uid] for uid in ids
            if uid in found and found[uid].active and found[uid].role != Role.COMPANY]


def _notice_of(finding: Finding) -> Notice | None:
    return db.session.get(Notice, finding.notice_id) if finding.notice_id else None


def _addressee(finding: Finding) -> uuid.UUID | None:
    """The company the finding's notice was addressed to (else the estate's)."""
    notice = _notice_of(finding)
    if notice is not None:
        return notice.company_id
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    return estate.company_id if estate else None


def _pending_revisit(finding: Finding) -> Revisit | None:
    return db.session.scalars(sa.select(Revisit).where(
        Revisit.finding_id == finding.id, Revisit.status == RevisitStatus.PENDING)).first()


def _issuer(finding: Finding) -> uuid.UUID | None:
    notice = _notice_of(finding)
    return notice.issued_by_id if notice else None


def area_supervisors(finding: Finding) -> list[User]:
    """The supervisors nearest the estate: those of the smallest region holding it, else the
    office-wide ones (a city supervisor hears of a late revisit only where no district one is)."""
    rows = db.session.execute(
        sa.select(User, Region.code).outerjoin(Region, Region.id == User.region_id)
        .where(User.office_id == finding.office_id, User.role == Role.SUPERVISOR, User.active.is_(True),
               sa.or_(User.region_id.is_(None), sa.literal(finding.region_code).startswith(Region.code)))
        .order_by(User.username)).all()
    if not rows:
        return []
    nearest = max(len(code or "") for _, code in rows)
    return [user for user, code in rows if len(code or "") == nearest]


# --- writing the messages -------------------------------------------------------------------------

def _tell(people: Iterable[User], finding: Finding, kind: ReminderKind, at: datetime, actor: User | None, *,
          notice_id: uuid.UUID | None = None, revisit_id: uuid.UUID | None = None) -> int:
    planned = 0
    seen: set[uuid.UUID] = set()
    for user in people:
        if user.id in seen or (actor is not None and user.id == actor.id):
            continue
        seen.add(user.id)
        for channel in channels_for(user):
            reminder = add_reminder(finding.id, user.id, channel, kind, at)
            if reminder is not None:
                reminder.notice_id, reminder.revisit_id = notice_id, revisit_id
                planned += 1
    return planned


def _event_time(changes: dict[str, Any]) -> datetime:
    at = changes.get("at")
    return at if isinstance(at, datetime) else utcnow()


@_on("issue_notice", Notice)
def _notice_issued(actor: User | None, notice: Notice, changes: dict[str, Any]) -> None:
    findings = sorted(notice.findings, key=lambda f: (f.found_at or notice.issued_at, str(f.id)))
    if findings:
        _tell(_company_users(notice.company_id), findings[0], K.NOTICE_ISSUED, notice.issued_at, actor,
              notice_id=notice.id)


@_on("extend_deadline", Finding)
def _deadline_changed(actor: User | None, finding: Finding, changes: dict[str, Any]) -> None:
    revisit = _pending_revisit(finding)
    people = _company_users(_addressee(finding)) + _staff(
        [revisit.inspector_id if revisit else None, finding.reported_by_id if not revisit else None])
    _tell(people, finding, K.DEADLINE_CHANGED, _event_time(changes), actor, notice_id=finding.notice_id)


@_on("report_rectification", Rectification)
def _fix_reported(actor: User | None, rectification: Rectification, changes: dict[str, Any]) -> None:
    finding = rectification.finding or db.session.get(Finding, rectification.finding_id)
    revisit = _pending_revisit(finding)
    people = _staff([_issuer(finding), revisit.inspector_id if revisit else None])
    _tell(people, finding, K.FIX_REPORTED, rectification.reported_at, actor, notice_id=finding.notice_id)


@_on("record_revisit_result", Revisit)
def _revisit_done(actor: User | None, revisit: Revisit, changes: dict[str, Any]) -> None:
    finding = revisit.finding or db.session.get(Finding, revisit.finding_id)
    cancel_revisit_reminders(revisit, utcnow())
    kind = K.REVISIT_PASSED if revisit.result == RevisitResult.FIXED else K.REVISIT_FAILED
    people = _company_users(_addressee(finding)) + _staff([_issuer(finding)])
    _tell(people, finding, kind, revisit.done_at or _event_time(changes), actor,
          notice_id=finding.notice_id, revisit_id=revisit.id)


@_on("escalate_finding", Escalation)
def _escalated(actor: User | None, escalation: Escalation, changes: dict[str, Any]) -> None:
    finding = db.session.get(Finding, escalation.finding_id)
    people = _company_users(_addressee(finding)) + _staff([_issuer(finding)])
    # The scheduler climbs the ladder at any hour; what it decides is told in office hours.
    at = escalation.decided_at if actor is not None else next_reminder_hour(escalation.decided_at)
    _tell(people, finding, K.ESCALATED, at, actor, notice_id=finding.notice_id)


def next_reminder_hour(at: datetime) -> datetime:
    """The first REMINDER_HOUR (local) at or after `at`."""
    hour = time(int(setting("REMINDER_HOUR")), 0)
    moment = utc_at(local_date(at), hour)
    return moment if moment >= at else utc_at(local_date(at) + timedelta(days=1), hour)


# --- 回头看 reminders --------------------------------------------------------------------------

def revisit_reminder_times(due_at: datetime, now: datetime | None) -> list[tuple[ReminderKind, datetime]]:
    """Before (each configured day), on the day and the day after, at the reminder hour; the
    moments already past when the revisit is made are skipped, except the late one."""
    hour = time(int(setting("REMINDER_HOUR")), 0)
    due_day = local_date(due_at)
    plan = [(K.REVISIT_BEFORE, utc_at(due_day - timedelta(days=int(d)), hour))
            for d in sorted(setting("REVISIT_REMINDER_DAYS_BEFORE"), reverse=True) if int(d) > 0]
    plan += [(K.REVISIT_DUE, utc_at(due_day, hour)),
             (K.REVISIT_OVERDUE, utc_at(due_day + timedelta(days=1), hour))]
    return [(kind, at) for kind, at in plan if now is None or at > now or kind == K.REVISIT_OVERDUE]


def plan_revisit_reminders(revisit: Revisit, now: datetime | None) -> int:
    """Its inspector's reminders and, for the late one, the area's supervisors'."""
    if revisit.due_at is None or revisit.status != RevisitStatus.PENDING:
        return 0
    finding = revisit.finding or db.session.get(Finding, revisit.finding_id)
    inspector = _staff([revisit.inspector_id])
    planned = 0
    for kind, at in revisit_reminder_times(revisit.due_at, now):
        planned += _tell(inspector, finding, kind, at, None, revisit_id=revisit.id)
        if kind == K.REVISIT_OVERDUE:
            planned += _tell(area_supervisors(finding), finding, K.REVISIT_LATE_SUPERVISOR, at, None,
                             revisit_id=revisit.id)
    return planned


def cancel_revisit_reminders(revisit: Revisit, now: datetime, recipient_id: uuid.UUID | None = None) -> int:
    """Cancel the unsent reminders of a revisit (only `recipient_id`'s when given); kept, not deleted."""
    query = (sa.update(Reminder)
             .where(Reminder.revisit_id == revisit.id, Reminder.kind.in_(REVISIT_KINDS),
                    Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None)))
    if recipient_id is not None:
        query = query.where(Reminder.recipient_id == recipient_id, Reminder.kind.in_(INSPECTOR_REVISIT_KINDS))
    result = db.session.execute(query.values(cancelled_at=now, claim_token=None)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


@_on("create_revisit", Revisit)
def _revisit_created(actor: User | None, revisit: Revisit, changes: dict[str, Any]) -> None:
    finding = revisit.finding or db.session.get(Finding, revisit.finding_id)
    if revisit.trigger == "reported":
        # Made by a company's report: its inspector hears of the report with the task.
        report = db.session.scalars(sa.select(Rectification).where(Rectification.finding_id == finding.id)
                                    .order_by(Rectification.reported_at.desc()).limit(1)).first()
        _tell(_staff([revisit.inspector_id]), finding, K.FIX_REPORTED,
              report.reported_at if report else utcnow(), None, notice_id=finding.notice_id,
              revisit_id=revisit.id)
    # The entry does not say the service's clock; a revisit is due days ahead, so nothing is
    # skipped (a reminder for a moment just past still goes out before the due day).
    plan_revisit_reminders(revisit, None)


@_on("assign_revisit", Revisit)
def _revisit_reassigned(actor: User | None, revisit: Revisit, changes: dict[str, Any]) -> None:
    now = _event_time(changes)
    if changes.get("from"):
        cancel_revisit_reminders(revisit, now, recipient_id=changes["from"])
    finding = revisit.finding or db.session.get(Finding, revisit.finding_id)
    for kind, at in revisit_reminder_times(revisit.due_at, now) if revisit.due_at else []:
        _tell(_staff([revisit.inspector_id]), finding, kind, at, None, revisit_id=revisit.id)
        _revive(revisit, kind, at)


def _revive(revisit: Revisit, kind: ReminderKind, at: datetime) -> None:
    """A reminder cancelled when the revisit was handed away is wanted again when it comes back."""
    db.session.execute(sa.update(Reminder).where(
        Reminder.revisit_id == revisit.id, Reminder.recipient_id == revisit.inspector_id,
        Reminder.kind == kind, Reminder.scheduled_at == at, Reminder.sent_at.is_(None))
        .values(cancelled_at=None)
        .execution_options(synchronize_session=False))


@_on("cancel_notice", Notice)
def _notice_cancelled(actor: User | None, notice: Notice, changes: dict[str, Any]) -> None:
    """Withdrawn: its revisits' reminders stop, and what was not yet told about it never will be."""
    now = _event_time(changes)
    ids = [uuid.UUID(str(item["finding_id"])) for item in changes.get("findings") or []]
    for revisit in db.session.scalars(sa.select(Revisit).where(Revisit.finding_id.in_(ids))) if ids else []:
        cancel_revisit_reminders(revisit, now)
    db.session.execute(sa.update(Reminder).where(
        Reminder.notice_id == notice.id, Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None))
        .values(cancelled_at=now, claim_token=None).execution_options(synchronize_session=False))


def still_wanted(reminder: Reminder, finding: Finding) -> bool:
    """At delivery: an event is always told; a revisit reminder only while the revisit is
    pending and, for the inspector's, while it is still theirs."""
    if reminder.kind in EVENT_KINDS:
        notice = db.session.get(Notice, reminder.notice_id) if reminder.notice_id else None
        return notice is None or notice.status != NoticeStatus.CANCELLED
    revisit = db.session.get(Revisit, reminder.revisit_id) if reminder.revisit_id else None
    if revisit is None or revisit.status != RevisitStatus.PENDING:
        return False
    return reminder.kind == K.REVISIT_LATE_SUPERVISOR or reminder.recipient_id == revisit.inspector_id


def revisit_days_late(revisit: Revisit, now: datetime) -> int:
    """Whole local days a pending revisit is past its due day (0 while not late): the pages
    mark it, and its late reminder goes out on the first of them."""
    if revisit.status != RevisitStatus.PENDING or revisit.due_at is None or now <= revisit.due_at:
        return 0
    return max(0, (local_date(now) - local_date(revisit.due_at)).days)
