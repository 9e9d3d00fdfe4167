"""The words of the loop's events and of the 回头看 reminders, Chinese first; and the photos an
email carries (a revisit's, so a company sees on its phone what the inspector saw)."""

from __future__ import annotations

import sqlalchemy as sa

from server.domain.models import (
    Escalation,
    Estate,
    Finding,
    Notice,
    PhotoLink,
    Rectification,
    Reminder,
    ReminderKind,
    Revisit,
    User,
)
from server.domain.rectification.deadlines import local_date
from server.domain.rectification.escalations import ESCALATION_LABELS
from server.extensions import db

K = ReminderKind
MAX_ATTACHED_PHOTOS = 4


def render_event(reminder: Reminder, finding: Finding, recipient: User) -> tuple[str, str]:
    """Subject and body of an event or a revisit reminder, from the records as they are now."""
    estate = finding.estate or db.session.get(Estate, finding.estate_id)
    notice = db.session.get(Notice, reminder.notice_id or finding.notice_id) if (
        reminder.notice_id or finding.notice_id) else None
    revisit = db.session.get(Revisit, reminder.revisit_id) if reminder.revisit_id else None
    problem = f"{finding.category}（{finding.location}）{finding.description}"
    due = local_date(finding.due_at) if finding.due_at else None
    lines: list[str | None]
    if reminder.kind == K.NOTICE_ISSUED:
        findings = sorted(notice.findings, key=lambda f: (f.found_at or notice.issued_at, str(f.id)))
        headline = f"整改通知书{notice.label}：{estate.name}，{len(findings)}个问题请限期整改"
        lines = [f"{n}. {f.category}（{f.location}）{f.description}，整改期限 {local_date(f.due_at)}"
                 for n, f in enumerate(findings, start=1) if f.due_at]
        english = f"Rectification notice {notice.label} for {estate.name}: {len(findings)} finding(s)"
    elif reminder.kind == K.DEADLINE_CHANGED:
        headline = f"整改期限已调整：{estate.name} {finding.category}，新期限 {due}"
        lines = [f"问题：{problem}", f"新的整改期限：{due}"]
        english = f"Deadline changed to {due}"
    elif reminder.kind == K.FIX_REPORTED:
        report = db.session.scalars(sa.select(Rectification).where(Rectification.finding_id == finding.id)
                                    .order_by(Rectification.reported_at.desc()).limit(1)).first()
        headline = f"物业已报告整改，待回头看：{estate.name} {finding.category}"
        lines = [f"问题：{problem}", f"整改说明：{report.note}" if report and report.note else None]
        english = "The company reported a fix; a revisit will check it"
    elif reminder.kind in (K.REVISIT_PASSED, K.REVISIT_FAILED):
        passed = reminder.kind == K.REVISIT_PASSED
        headline = (f"复查合格，已销号：{estate.name} {finding.category}" if passed
                    else f"复查未通过，请重新整改：{estate.name} {finding.category}")
        photos = len(revisit_photos(revisit)) if revisit else 0
        lines = [f"问题：{problem}",
                 f"复查意见：{revisit.note}" if revisit and revisit.note else None,
                 None if passed or not due else f"新的整改期限：{due}",
                 f"复查照片{photos}张（邮件附件，或登录后在整改通知书页面查看）" if photos else None]
        english = "Revisit passed, finding closed" if passed else "Revisit failed: please rectify again"
    elif reminder.kind == K.ESCALATED:
        escalation = db.session.scalars(sa.select(Escalation).where(
            Escalation.finding_id == finding.id, Escalation.decided_at <= reminder.scheduled_at)
            .order_by(Escalation.decided_at.desc()).limit(1)).first()
        step = ESCALATION_LABELS[escalation.kind] if escalation else "升级督办"
        headline = f"逾期未整改，已{step}：{estate.name} {finding.category}"
        lines = [f"问题：{problem}", f"整改期限：{due}" if due else None,
                 f"处理意见：{escalation.note}" if escalation and escalation.note else None,
                 f"扣减信用分：{escalation.credit_points}"
                 if escalation and escalation.credit_points else None]
        english = f"Overdue: escalated ({escalation.kind.value if escalation else 'escalation'})"
    else:
        headline, lines, english = _revisit_reminder(reminder, finding, estate, revisit)
    body = "\n".join(line for line in [
        f"{recipient.display_name}，您好：", "", headline, f"整改通知书：{notice.label}" if notice else None,
        f"小区：{estate.name}", *lines, "", "请登录巡查系统查看详情。",
        f"({english}: {estate.name}, {finding.category}. Please log in to Xuncha.)",
    ] if line is not None)
    return f"【巡查】{headline}", body


def _revisit_reminder(reminder: Reminder, finding: Finding, estate: Estate,
                      revisit: Revisit | None) -> tuple[str, list[str | None], str]:
    due = local_date(revisit.due_at) if revisit and revisit.due_at else None
    inspector = db.session.get(User, revisit.inspector_id) if revisit and revisit.inspector_id else None
    headline = {
        K.REVISIT_BEFORE: f"回头看即将到期：{estate.name} {finding.category}，请于{due}前复查",
        K.REVISIT_DUE: f"今日应完成回头看：{estate.name} {finding.category}",
        K.REVISIT_OVERDUE: f"回头看已逾期：{estate.name} {finding.category}，应于{due}完成",
        K.REVISIT_LATE_SUPERVISOR: f"回头看逾期未完成：{estate.name} {finding.category}，应于{due}完成",
    }[reminder.kind]
    english = {K.REVISIT_BEFORE: f"Revisit due on {due}", K.REVISIT_DUE: "Revisit due today",
               K.REVISIT_OVERDUE: f"Revisit overdue since {due}",
               K.REVISIT_LATE_SUPERVISOR: f"A revisit is overdue since {due}"}[reminder.kind]
    lines = [f"问题：{finding.category}（{finding.location}）{finding.description}",
             f"回头看期限：{due}",
             f"负责检查员：{inspector.display_name}"
             if inspector and reminder.kind == K.REVISIT_LATE_SUPERVISOR else None,
             "可在平板同步后或网页“回头看”页面记录复查结果。" if reminder.kind != K.REVISIT_LATE_SUPERVISOR
             else "可在网页“回头看”页面改派检查员。"]
    return headline, lines, english


def revisit_photos(revisit: Revisit) -> list[str]:
    """The SHA-256 of the photos taken at the revisit, in the order they were linked."""
    return list(db.session.scalars(sa.select(PhotoLink.photo_sha256).where(
        PhotoLink.revisit_id == revisit.id, PhotoLink.deleted_at.is_(None)).order_by(PhotoLink.created_at)))


def attached_photos(reminder: Reminder) -> list[str]:
    """The photos an email about a revisit's result carries (the first few)."""
    if reminder.kind not in (K.REVISIT_PASSED, K.REVISIT_FAILED) or reminder.revisit_id is None:
        return []
    revisit = db.session.get(Revisit, reminder.revisit_id)
    return revisit_photos(revisit)[:MAX_ATTACHED_PHOTOS] if revisit else []
