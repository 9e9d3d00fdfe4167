"""The rectification loop (整改闭环): notices, deadlines, company replies, revisits (回头看),
reminders and escalation. Every state change goes through server.domain.finding_workflow.

Services take `now` (naive UTC) so tests and the scheduler control the clock; they flush and
never commit (the request or the job owns the transaction); refusals raise TransitionRefused
with a `code` and a readable Chinese message.
"""

from server.domain.finding_workflow import TransitionRefused
from server.domain.rectification.deadlines import (
    DayKind,
    WorkCalendar,
    office_calendar,
    remove_calendar_day,
    set_calendar_day,
)
from server.domain.rectification.escalations import company_credit, escalate_finding, mark_finding_overdue
from server.domain.rectification.notices import (
    cancel_notice,
    issue_notice,
    notice_findings,
    take_notice_number,
)
from server.domain.rectification.rectifications import attach_after_photos, report_rectification
from server.domain.rectification.reminders import mark_reminders_read, plan_reminders
from server.domain.rectification.revisits import (
    assign_revisit,
    eligible_inspectors,
    ensure_revisit,
    pick_inspector,
    record_revisit_result,
)

__all__ = [
    "DayKind",
    "TransitionRefused",
    "WorkCalendar",
    "assign_revisit",
    "attach_after_photos",
    "cancel_notice",
    "company_credit",
    "eligible_inspectors",
    "ensure_revisit",
    "escalate_finding",
    "issue_notice",
    "mark_finding_overdue",
    "mark_reminders_read",
    "notice_findings",
    "office_calendar",
    "pick_inspector",
    "plan_reminders",
    "record_revisit_result",
    "remove_calendar_day",
    "report_rectification",
    "set_calendar_day",
    "take_notice_number",
]
