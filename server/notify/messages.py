"""The words of a reminder, Chinese first."""

from __future__ import annotations

from server.domain.finding_workflow import STATUS_LABELS
from server.domain.models import Estate, Finding, FindingStatus, Notice, Reminder, ReminderKind, User
from server.domain.rectification.deadlines import local_date
from server.extensions import db


def render_reminder(reminder: Reminder, finding: Finding, recipient: User,
                    status: FindingStatus | None = None) -> tuple[str, str]:
    """Subject and body; `status` is the finding's status when the message went out, for a
    message written after the fact (the demo city's history), else the current one."""
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    notice = db.session.get(Notice, finding.notice_id) if finding.notice_id else None
    due = local_date(finding.due_at) if finding.due_at else None
    label = notice.label if notice else ""
    headline = {
        ReminderKind.BEFORE: f"整改即将到期：{estate.name} {finding.category}，期限 {due}",
        ReminderKind.DUE: f"今日整改到期：{estate.name} {finding.category}",
        ReminderKind.OVERDUE: f"整改已逾期：{estate.name} {finding.category}，期限 {due}",
    }[reminder.kind]
    english = {
        ReminderKind.BEFORE: f"Rectification due on {due}",
        ReminderKind.DUE: "Rectification due today",
        ReminderKind.OVERDUE: f"Rectification overdue since {due}",
    }[reminder.kind]
    body = "\n".join(line for line in [
        f"{recipient.display_name}，您好：",
        "",
        headline,
        f"整改通知书：{label}" if label else None,
        f"小区：{estate.name}",
        f"问题：{finding.category}（{finding.location}）{finding.description}",
        f"整改期限：{due}" if due else None,
        f"当前状态：{STATUS_LABELS[status or finding.status]}",
        "",
        "请登录巡查系统查看详情并反馈整改情况。",
        f"({english}: {estate.name}, {finding.category}. Please log in to Xuncha.)",
    ] if line is not None)
    return f"【巡查】{headline}", body
