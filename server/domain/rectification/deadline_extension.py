"""延期 A supervisor gives a finding a later deadline, with a reason."""

from __future__ import annotations

from datetime import date, datetime

from server.domain.finding_workflow import TransitionRefused, transition_finding
from server.domain.models import OFFICE_ROLES, Estate, Finding, User
from server.domain.rectification.access import can_see_estate
from server.domain.rectification.deadlines import end_of_local_day, local_date
from server.domain.rectification.reasons import required_reason
from server.domain.rectification.reminders import plan_reminders
from server.extensions import db

REASON_MAX = 500


def extend_deadline(finding: Finding, actor: User, new_due_on: date, reason: str, *,
                    now: datetime) -> Finding:
    """Move the finding's deadline to the end of `new_due_on` (local), later than the current
    one and not in the past. An overdue finding is owed again (notified); its escalation
    clock stops and its reminders are planned for the new deadline. Raises TransitionRefused;
    flushes, the caller commits."""
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    if actor.role not in OFFICE_ROLES or not can_see_estate(actor, estate):
        raise TransitionRefused("forbidden", "只有本区域科室负责人或管理员可以延长整改期限")
    reason = required_reason(reason, "延期理由", REASON_MAX)
    new_due = end_of_local_day(new_due_on)
    if new_due_on < local_date(now):
        raise TransitionRefused("invalid_input", f"新期限 {new_due_on} 已经过去 (in the past)")
    if finding.due_at is not None and new_due <= finding.due_at:
        raise TransitionRefused(
            "invalid_input", f"新期限 {new_due_on} 不晚于原期限 {local_date(finding.due_at)} (not later)")
    # The state machine's audit entry records the new deadline with the reason as its note.
    transition_finding(finding, "extend_deadline", actor, at=now, due_at=new_due, note=reason)
    finding.next_escalation_at = None
    plan_reminders(finding, now)
    db.session.flush()
    return finding
