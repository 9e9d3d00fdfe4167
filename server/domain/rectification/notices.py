"""整改通知书: a supervisor groups an estate's open findings into one numbered notice."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from server.domain.audit import record_audit
from server.domain.finding_workflow import TRANSITIONS, TransitionRefused, transition_finding
from server.domain.models import (
    OFFICE_ROLES,
    Estate,
    Finding,
    FindingStatus,
    Notice,
    NoticeSequence,
    NoticeStatus,
    Office,
    Revisit,
    RevisitStatus,
    User,
)
from server.domain.rectification.access import can_see_estate, can_see_notice
from server.domain.rectification.deadlines import (
    deadline_after,
    deadline_on,
    default_days,
    local_date,
    office_calendar,
    parse_day_kind,
)
from server.domain.rectification.reasons import required_reason
from server.domain.rectification.reminders import cancel_reminders, plan_reminders
from server.domain.registry.estates import no_addressee_reason
from server.extensions import db


def take_notice_number(office_id: uuid.UUID, year: int) -> int:
    """The next number of the office's year, never handed out twice.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING: on PostgreSQL the conflicting row is locked
    until this transaction ends, so concurrent issuers queue on it and get consecutive numbers;
    on SQLite the statement runs under the database's single writer lock.
    """
    table = NoticeSequence.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(table).values(office_id=office_id, year=year, last_number=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.office_id, table.c.year],
        set_={"last_number": table.c.last_number + 1},
    ).returning(table.c.last_number)
    return int(db.session.execute(stmt).scalar_one())


def issue_notice(
    estate: Estate,
    findings: Sequence[Finding],
    actor: User,
    *,
    now: datetime,
    due_dates: Mapping[uuid.UUID, date | None] | None = None,
    day_kind: str | None = None,
    legal_basis: str | None = None,
) -> Notice:
    """Issue a numbered notice for `findings` of `estate` to its company.

    Each finding's deadline is `due_dates[finding.id]` when the supervisor set one by hand,
    else its default days (item or severity) counted in calendar or working days. Every
    finding moves to notified, and its reminders are planned. Raises TransitionRefused.
    """
    if actor.role not in OFFICE_ROLES:
        raise TransitionRefused("forbidden", "只有科室负责人或管理员可以下发整改通知书")
    if not can_see_estate(actor, estate):
        raise TransitionRefused("forbidden", "无权处理该小区 (estate outside your scope)")
    nobody = no_addressee_reason(estate)
    if nobody:
        raise TransitionRefused("no_company", f"不能下发整改通知书：{nobody}")
    if not findings:
        raise TransitionRefused("invalid_input", "请至少选择一个问题 (choose at least one finding)")
    issuable = TRANSITIONS["issue_notice"].sources
    for finding in findings:
        if finding.estate_id != estate.id:
            raise TransitionRefused("invalid_input", "所选问题不属于该小区")
        if finding.status not in issuable:
            # Checked for all before anything changes, so a refusal leaves no half-issued notice.
            transition_finding(finding, "issue_notice", actor, at=now)
    kind = parse_day_kind(day_kind)
    due_dates = due_dates or {}
    calendar = office_calendar(estate.office_id)
    deadlines = {
        f.id: deadline_on(due_dates[f.id], now) if due_dates.get(f.id)
        else deadline_after(now, default_days(f), kind, calendar)
        for f in findings
    }
    office = db.session.get(Office, estate.office_id)
    year = local_date(now).year
    notice = Notice(
        office_id=estate.office_id, estate_id=estate.id, company_id=estate.company_id,
        region_code=estate.region_code, year=year, number=take_notice_number(estate.office_id, year),
        status=NoticeStatus.ISSUED, issued_at=now, issued_by_id=actor.id,
        legal_basis=office.legal_basis if legal_basis is None else legal_basis, day_kind=kind.value,
    )
    db.session.add(notice)
    db.session.flush()
    for finding in findings:
        transition_finding(finding, "issue_notice", actor, at=now, due_at=deadlines[finding.id],
                           note=notice.label)
        finding.notice_id = notice.id
        finding.notice = notice
    db.session.flush()
    for finding in findings:
        plan_reminders(finding, now)
    record_audit(actor, "issue_notice", notice, {
        "label": notice.label, "estate_id": estate.id, "company_id": estate.company_id,
        "day_kind": kind.value, "findings": {str(f.id): deadlines[f.id] for f in findings},
    })
    return notice


NOTICE_STATUS_LABELS = {NoticeStatus.ISSUED: "已下发", NoticeStatus.CLOSED: "已办结",
                        NoticeStatus.CANCELLED: "已撤销"}
CANCEL_REASON_MAX = 500


def notice_findings(notice: Notice) -> list[Finding]:
    """The findings the notice lists: for a cancelled notice, the ones it listed when it was
    cancelled (they have left it since, and may be on a newer notice)."""
    if notice.status == NoticeStatus.CANCELLED:
        ids = [uuid.UUID(item["finding_id"]) for item in notice.cancelled_items or []]
        where = Finding.id.in_(ids) if ids else sa.false()
    else:
        where = Finding.notice_id == notice.id
    return list(db.session.scalars(sa.select(Finding).where(where).order_by(Finding.found_at, Finding.id)))


def notice_deadlines(notice: Notice) -> dict[uuid.UUID, datetime | None]:
    """Each listed finding's deadline as the notice set it (a cancelled notice remembers them)."""
    if notice.status == NoticeStatus.CANCELLED:
        return {uuid.UUID(item["finding_id"]): datetime.fromisoformat(item["due_at"]) if item.get("due_at")
                else None for item in notice.cancelled_items or []}
    return {f.id: f.due_at for f in notice_findings(notice)}


def cancel_notice(notice: Notice, actor: User, reason: str, now: datetime) -> Notice:
    """撤销整改通知书: a supervisor withdraws a notice issued in error, with a reason.

    Its findings go back to open through the state machine (`withdraw_notice`, which drops
    their deadline), their unsent reminders and pending revisits are cancelled, and the notice
    keeps its number (numbers are never reused), its status becomes cancelled and it remembers
    what it listed. Refused once any of its findings was closed (销号): that part of the notice
    was carried out. Escalations already decided stay on the company's record: each was a
    decision of its own. Raises TransitionRefused; flushes, the caller commits.
    """
    if actor.role not in OFFICE_ROLES or not can_see_notice(actor, notice):
        raise TransitionRefused("forbidden", "只有本区域科室负责人或管理员可以撤销整改通知书")
    reason = required_reason(reason, "撤销理由", CANCEL_REASON_MAX)
    if notice.status == NoticeStatus.CANCELLED:
        raise TransitionRefused("invalid_transition", f"整改通知书 {notice.label} 已撤销 (already cancelled)")
    if notice.status == NoticeStatus.CLOSED:
        raise TransitionRefused("invalid_transition",
                                f"整改通知书 {notice.label} 所列问题已全部销号，不能撤销 (notice closed)")
    findings = notice_findings(notice)
    if any(f.status == FindingStatus.CLOSED for f in findings):
        raise TransitionRefused("invalid_transition",
                                "通知书中已有问题销号，不能撤销 (some of its findings are already closed)")
    withdrawable = TRANSITIONS["withdraw_notice"].sources
    for finding in findings:
        if finding.status not in withdrawable:
            # Checked for all before anything changes, so a refusal leaves the notice whole.
            transition_finding(finding, "withdraw_notice", actor, at=now)
    items = [{"finding_id": str(f.id), "due_at": f.due_at.isoformat() if f.due_at else None,
              "status": f.status.value} for f in findings]
    for finding in findings:
        transition_finding(finding, "withdraw_notice", actor, at=now, note=f"{notice.label} {reason}")
        finding.next_escalation_at = None
        finding.notice = None
        finding.notice_id = None
        cancel_reminders(finding, now)
        for revisit in db.session.scalars(sa.select(Revisit).where(
                Revisit.finding_id == finding.id, Revisit.status == RevisitStatus.PENDING)):
            revisit.status = RevisitStatus.CANCELLED
    notice.status = NoticeStatus.CANCELLED
    notice.cancelled_at, notice.cancelled_by_id = now, actor.id
    notice.cancel_reason, notice.cancelled_items = reason, items
    db.session.flush()
    record_audit(actor, "cancel_notice", notice, {"label": notice.label, "reason": reason, "at": now,
                                                  "findings": items})
    return notice
