"""投诉办理: receive a complaint, send it for verification (a tablet task) or file it as a finding,
reply, close with the complainant's satisfaction."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from server.domain.audit import record_audit
from server.domain.complaints.rules import reply_due_at
from server.domain.finding_workflow import TransitionRefused
from server.domain.models import (
    OFFICE_ROLES,
    ChecklistTemplate,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Estate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionStatus,
    Role,
    Satisfaction,
    Severity,
    User,
)
from server.domain.rectification.access import can_see_estate, require_estate
from server.domain.rectification.deadlines import WorkCalendar, utc_at
from server.domain.rectification.settings import days_for_severity
from server.extensions import db

TEXT_MAX = 2000
NAME_MAX = 50
REFERENCE_MAX = 40
REPLY_MAX = 2000
# Digits with the usual separators, an optional leading + (landlines with extensions too).
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{4,28}$")
TASK_HOUR = time(9, 0)


def _refuse(message: str) -> TransitionRefused:
    return TransitionRefused("invalid_input", message)


def _require_staff(actor: User) -> None:
    if actor.role not in OFFICE_ROLES:
        raise TransitionRefused("forbidden", "只有督导或管理员可以办理投诉 "
                                             "(only office staff handle complaints)")


def may_see_complaint(user: User, complaint: Complaint) -> bool:
    """Office staff of the estate's area; never a company, never an inspector (contacts inside)."""
    if user.role not in OFFICE_ROLES or user.office_id != complaint.office_id:
        return False
    return can_see_estate(user, complaint.estate or db.session.get(Estate, complaint.estate_id))


def check_complaint_fields(channel: str, text: str, name: str, phone: str, reference: str) -> list[str]:
    """What is wrong with a complaint's fields, each as a message for the user (form and import alike)."""
    problems = []
    if channel not in {c.value for c in ComplaintChannel}:
        problems.append("渠道无效 (unknown channel)")
    if not text.strip():
        problems.append("请填写投诉内容 (complaint text required)")
    elif len(text) > TEXT_MAX:
        problems.append(f"投诉内容不能超过 {TEXT_MAX} 字 (text too long)")
    if len(name) > NAME_MAX:
        problems.append(f"姓名不能超过 {NAME_MAX} 字 (name too long)")
    if phone and not PHONE.match(phone):
        problems.append("联系电话格式不正确 (malformed phone number)")
    if len(reference) > REFERENCE_MAX:
        problems.append(f"工单编号不能超过 {REFERENCE_MAX} 个字符 (reference too long)")
    return problems


def record_complaint(actor: User, estate: Estate, channel: str, text: str, received_at: datetime,
                     complainant_name: str = "", complainant_phone: str = "",
                     reference: str = "", calendar: WorkCalendar | None = None) -> Complaint:
    """受理: the deadline comes from the channel's rule on the office's work calendar."""
    _require_staff(actor)
    require_estate(actor, estate)
    text, name = (text or "").strip(), (complainant_name or "").strip()
    phone, reference = (complainant_phone or "").strip(), (reference or "").strip()
    problems = check_complaint_fields(channel, text, name, phone, reference)
    if problems:
        raise _refuse("；".join(problems))
    kind = ComplaintChannel(channel)
    complaint = Complaint(
        office_id=estate.office_id, estate_id=estate.id, region_code=estate.region_code, channel=kind,
        reference=reference, received_at=received_at,
        due_at=reply_due_at(estate.office_id, kind, received_at, calendar),
        text=text, complainant_name=name, complainant_phone=phone, created_by_id=actor.id)
    db.session.add(complaint)
    db.session.flush()
    record_audit(actor, "record_complaint", complaint, {"channel": kind.value, "reference": reference})
    return complaint


def _require_open(complaint: Complaint) -> None:
    if complaint.status == ComplaintStatus.CLOSED:
        raise TransitionRefused("invalid_state", "投诉已办结 (complaint is closed)")


def send_for_verification(complaint: Complaint, inspectors: list[User], planned_for: datetime, actor: User,
                          now: datetime, template: ChecklistTemplate | None = None) -> Inspection:
    """核查: a PLANNED complaint inspection for the chosen inspectors' tablets. Its note carries
    the complaint's text, never the complainant's name or phone."""
    _require_staff(actor)
    _require_open(complaint)
    if complaint.inspection_id is not None:
        raise TransitionRefused("invalid_state", "已派发核查任务 (a verification task exists)")
    if not inspectors:
        raise _refuse("请选择核查人员 (choose who verifies)")
    estate = complaint.estate
    for user in inspectors:
        if user.role == Role.COMPANY or not can_see_estate(user, estate):
            raise _refuse(f"{user.display_name} 不负责该小区 (inspector outside the estate's area)")
    visit = Inspection(
        office_id=complaint.office_id, estate_id=estate.id, region_code=estate.region_code,
        template_id=template.id if template else None, kind=InspectionKind.COMPLAINT,
        status=InspectionStatus.PLANNED, complaint_channel=complaint.channel,
        planned_for=planned_for, created_by_id=actor.id, created_at=now,
        note=f"投诉核查：{complaint.text}")
    visit.inspectors.extend(inspectors)
    db.session.add(visit)
    db.session.flush()
    complaint.inspection_id, complaint.status = visit.id, ComplaintStatus.VERIFYING
    record_audit(actor, "send_complaint_for_verification", complaint,
                 {"inspection": str(visit.id), "inspectors": [str(u.id) for u in inspectors]})
    return visit


def task_day(day) -> datetime:
    """A verification visit is planned for the start of that local working day."""
    return utc_at(day, TASK_HOUR)


def file_as_finding(complaint: Complaint, category: str, severity: str, location: str,
                    actor: User, now: datetime) -> Finding:
    """The complaint is itself the evidence: a finding straight into the rectification loop."""
    _require_staff(actor)
    _require_open(complaint)
    if complaint.finding_id is not None:
        raise TransitionRefused("invalid_state", "已立为问题 (already filed as a finding)")
    category = (category or "").strip()
    if not category or len(category) > 50:
        raise _refuse("请填写问题类别（不超过 50 字） (category required)")
    if severity not in {s.value for s in Severity}:
        raise _refuse("严重程度无效 (unknown severity)")
    level = Severity(severity)
    finding = Finding(
        office_id=complaint.office_id, estate_id=complaint.estate_id, region_code=complaint.region_code,
        category=category, severity=level, location=(location or "").strip()[:100],
        description=f"投诉：{complaint.text}", status=FindingStatus.OPEN, found_at=now,
        due_at=now + timedelta(days=days_for_severity(level)), reported_by_id=actor.id)
    db.session.add(finding)
    db.session.flush()
    complaint.finding_id = finding.id
    record_audit(actor, "file_complaint_as_finding", complaint, {"finding": str(finding.id)})
    return finding


def reply_to_complaint(complaint: Complaint, reply: str, actor: User, now: datetime) -> None:
    """答复: what the office tells the complainant; late replies stay marked late."""
    _require_staff(actor)
    _require_open(complaint)
    reply = (reply or "").strip()
    if not reply or len(reply) > REPLY_MAX:
        raise _refuse(f"请填写答复内容（不超过 {REPLY_MAX} 字） (reply required)")
    complaint.reply, complaint.replied_at, complaint.replied_by_id = reply, now, actor.id
    complaint.status = ComplaintStatus.REPLIED
    record_audit(actor, "reply_to_complaint", complaint, {"on_time": now <= complaint.due_at})


def close_complaint(complaint: Complaint, satisfaction: str, actor: User, now: datetime) -> None:
    """办结 with the complainant's satisfaction (回访); a complaint is closed only once answered."""
    _require_staff(actor)
    _require_open(complaint)
    if complaint.replied_at is None:
        raise TransitionRefused("invalid_state", "请先答复再办结 (reply before closing)")
    if satisfaction not in {s.value for s in Satisfaction}:
        raise _refuse("请选择满意度 (choose the satisfaction)")
    complaint.satisfaction = Satisfaction(satisfaction)
    complaint.status, complaint.closed_at, complaint.closed_by_id = ComplaintStatus.CLOSED, now, actor.id
    record_audit(actor, "close_complaint", complaint, {"satisfaction": satisfaction})
