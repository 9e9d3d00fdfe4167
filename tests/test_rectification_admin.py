"""The supervisor's levers as services: cancelling a notice, the office calendar, handing a
revisit to another inspector, escalating by hand."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from server.domain.finding_workflow import TRANSITIONS
from server.domain.models import (
    AuditEntry,
    Escalation,
    EscalationKind,
    FindingStatus,
    NoticeStatus,
    Reminder,
    Revisit,
    RevisitStatus,
    Role,
)
from server.domain.rectification import (
    TransitionRefused,
    assign_revisit,
    cancel_notice,
    eligible_inspectors,
    escalate_finding,
    issue_notice,
    mark_finding_overdue,
    notice_findings,
    office_calendar,
    pick_inspector,
    record_revisit_result,
    remove_calendar_day,
    report_rectification,
    set_calendar_day,
)
from server.domain.rectification.deadlines import official_year
from server.domain.rectification.escalations import next_rung
from server.domain.rectification.notices import notice_deadlines
from server.domain.rectification.reminders import DEADLINE_KINDS
from server.extensions import db

S = FindingStatus
MONDAY = datetime(2026, 3, 2, 2, 0)  # 10:00 in Beijing; a major finding is due 2026-03-09
OVERDUE_DAY = datetime(2026, 3, 10, 2, 0)


@pytest.fixture
def world(make):
    cast = make.loop_world()
    other_district = make.region(cast["office"], cast["tree"]["city"], name="别的区")
    return {
        **cast,
        "far_supervisor": make.user(cast["office"], Role.SUPERVISOR, region_id=other_district.id),
        "far_inspector": make.user(cast["office"], Role.INSPECTOR, region_id=other_district.id),
    }


def _notice(world, n=2):
    findings = [world["make"].finding(world["estate"], reported_by_id=world["inspector"].id, found_at=MONDAY)
                for _ in range(n)]
    notice = issue_notice(world["estate"], findings, world["supervisor"], now=MONDAY)
    return notice, findings


def _unsent(finding, recipient=None) -> list[Reminder]:
    """The deadline reminders still to go out (revisit reminders: tests/test_notifications.py)."""
    query = sa.select(Reminder).where(Reminder.finding_id == finding.id, Reminder.sent_at.is_(None),
                                      Reminder.cancelled_at.is_(None), Reminder.kind.in_(DEADLINE_KINDS))
    if recipient is not None:
        query = query.where(Reminder.recipient_id == recipient.id)
    return db.session.scalars(query.order_by(Reminder.scheduled_at)).all()


# -- 撤销整改通知书 ------------------------------------------------------------------------------

def test_withdraw_is_one_row_of_the_state_machine():
    rule = TRANSITIONS["withdraw_notice"]
    assert rule.target == S.OPEN and rule.clears_due
    assert rule.sources == {S.NOTIFIED, S.OVERDUE, S.ESCALATED, S.REOPENED, S.RECTIFIED_REPORTED}
    assert rule.roles == {Role.SUPERVISOR, Role.ADMIN}


def test_cancelled_notice_returns_its_findings_to_open_and_keeps_its_number(world):
    notice, (late, reported) = _notice(world)
    due = {f.id: f.due_at for f in (late, reported)}
    mark_finding_overdue(late, now=OVERDUE_DAY)
    escalate_finding(late, None, now=datetime(2026, 3, 17, 2))
    report_rectification(reported, world["company_user"], now=MONDAY, note="已清理")
    pending = db.session.scalars(sa.select(Revisit).where(Revisit.status == RevisitStatus.PENDING)).all()
    assert len(pending) == 2

    cancel_notice(notice, world["supervisor"], "  发给了错误的企业  ", datetime(2026, 3, 18, 2))

    assert notice.status == NoticeStatus.CANCELLED and notice.number == 1
    assert notice.cancel_reason == "发给了错误的企业" and notice.cancelled_by_id == world["supervisor"].id
    for finding in (late, reported):
        assert finding.status == S.OPEN and finding.due_at is None and finding.notice_id is None
        assert finding.next_escalation_at is None and _unsent(finding) == []
    assert late.escalation_step == 1  # the 督办 already decided stays on the record
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Escalation)) == 1
    assert {v.status for v in db.session.scalars(sa.select(Revisit))} == {RevisitStatus.CANCELLED}
    # The notice still lists what it listed, with the deadlines it set.
    assert {f.id for f in notice_findings(notice)} == {late.id, reported.id}
    assert notice_deadlines(notice) == due
    assert {i["status"] for i in notice.cancelled_items} == {"escalated", "rectified_reported"}
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "cancel_notice")).one()
    assert entry.changes["reason"] == "发给了错误的企业" and len(entry.changes["findings"]) == 2
    withdrawn = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "withdraw_notice")).all()
    assert len(withdrawn) == 2

    # The findings may go on a new notice; the number of the cancelled one is never handed out again.
    again = issue_notice(world["estate"], [late], world["supervisor"], now=datetime(2026, 3, 18, 3))
    assert again.number == 2 and late.notice_id == again.id and late.status == S.NOTIFIED
    assert {f.id for f in notice_findings(notice)} == {late.id, reported.id}
    assert {f.id for f in notice_findings(again)} == {late.id}


def test_cancel_is_refused_without_reason_right_or_open_work(world, make):
    notice, (first, second) = _notice(world)
    later = datetime(2026, 3, 3, 2)
    for actor in ("inspector", "company_user", "far_supervisor"):
        with pytest.raises(TransitionRefused) as refused:
            cancel_notice(notice, world[actor], "理由", later)
        assert refused.value.code == "forbidden"
    with pytest.raises(TransitionRefused) as refused:
        cancel_notice(notice, world["supervisor"], "   ", later)
    assert refused.value.code == "invalid_input"
    with pytest.raises(TransitionRefused):
        cancel_notice(notice, world["supervisor"], "长" * 501, later)

    # One finding closed (销号): the notice was partly carried out and can no longer be withdrawn.
    report_rectification(first, world["company_user"], now=later)
    revisit = db.session.scalars(sa.select(Revisit).where(Revisit.finding_id == first.id)).one()
    record_revisit_result(revisit, world["inspector"], "fixed", now=later)
    with pytest.raises(TransitionRefused) as refused:
        cancel_notice(notice, world["supervisor"], "理由", later)
    assert refused.value.code == "invalid_transition" and "销号" in str(refused.value)
    assert notice.status == NoticeStatus.ISSUED
    assert second.status == S.NOTIFIED and second.notice_id == notice.id

    other, _ = _notice(world, 1)
    cancel_notice(other, world["supervisor"], "重复下发", later)
    with pytest.raises(TransitionRefused) as refused:
        cancel_notice(other, world["supervisor"], "重复下发", later)
    assert refused.value.code == "invalid_transition"


# -- 工作日历 ------------------------------------------------------------------------------------

def test_office_calendar_exception_is_added_and_removed_with_audit(world, make):
    # The calendar holds office-wide: its keeper covers the whole office (the city region).
    office = world["office"]
    supervisor = make.user(office, Role.SUPERVISOR, region_id=world["tree"]["city"].id)
    set_calendar_day(office, date(2026, 3, 4), False, supervisor, name=" 防汛停工 ")
    assert office_calendar(office.id).exceptions == {date(2026, 3, 4): False}
    remove_calendar_day(office, date(2026, 3, 4), supervisor)
    assert office_calendar(office.id).exceptions == {}
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity == "office")
                                 .order_by(AuditEntry.at)).all()
    assert sorted(actions) == ["remove_calendar_day", "set_calendar_day"]
    with pytest.raises(TransitionRefused) as refused:
        remove_calendar_day(office, date(2026, 3, 4), supervisor)
    assert refused.value.code == "not_found"
    stranger = make.user(make.office(), Role.ADMIN)
    for actor in (world["inspector"], world["company_user"], stranger, world["supervisor"]):
        with pytest.raises(TransitionRefused) as refused:
            set_calendar_day(office, date(2026, 3, 5), True, actor)
        assert refused.value.code == "forbidden"
    with pytest.raises(TransitionRefused) as refused:
        set_calendar_day(office, date(2026, 3, 5), True, supervisor, name="名" * 51)
    assert refused.value.code == "invalid_input"


def test_official_year_lists_holidays_as_runs_and_make_up_days():
    year = official_year(2026)
    national = next(h for h in year.holidays if h.name == "国庆节")
    assert (national.start, national.end, national.days) == (date(2026, 10, 1), date(2026, 10, 7), 7)
    assert (date(2026, 10, 10), "国庆节", "National Day") in year.workdays
    assert year.name_of(date(2026, 10, 3)) == "国庆节"
    assert year.name_of(date(2026, 10, 10)) == "国庆节调休上班"
    assert year.name_of(date(2026, 3, 4)) == ""
    assert official_year(2099).known is False


# -- 改派回头看 ----------------------------------------------------------------------------------

def test_eligible_inspectors_follow_the_pick_inspector_rule(world, make):
    office, tree = world["office"], world["tree"]
    anywhere = make.user(office, Role.INSPECTOR)  # office-wide: after the regional ones
    make.user(office, Role.INSPECTOR, region_id=tree["street"].id, active=False)
    make.user(office, Role.INSPECTOR, region_id=tree["street"].id, company_id=world["company"].id)
    make.user(make.office(), Role.INSPECTOR)
    estate = world["estate"]
    assert eligible_inspectors([estate, estate]) == {estate.id: [world["inspector"], anywhere]}
    finding = make.finding(estate)
    assert pick_inspector(finding) == world["inspector"]


def test_reassigning_a_revisit_moves_the_reminders_still_to_come(world, make):
    notice, (finding,) = _notice(world, 1)
    mark_finding_overdue(finding, now=OVERDUE_DAY)
    revisit = db.session.scalars(sa.select(Revisit)).one()
    assert revisit.inspector_id == world["inspector"].id
    other = make.user(world["office"], Role.INSPECTOR, region_id=world["tree"]["community"].id, email="")
    # Planned at issue for the finder (no scheduler ran here): 3 and 1 days before, on the day,
    # the day after; on the inbox and by email.
    before = _unsent(finding, world["inspector"])
    times = sorted({(r.scheduled_at, r.kind) for r in before})
    assert len(times) == 4 and len(before) == 8

    assign_revisit(revisit, other, world["supervisor"], now=OVERDUE_DAY)

    assert revisit.inspector_id == other.id
    assert _unsent(finding, world["inspector"]) == []
    moved = _unsent(finding, other)
    assert sorted((r.scheduled_at, r.kind) for r in moved) == times
    assert {r.channel.value for r in moved} == {"inbox"}  # the new inspector has no email address
    assert _unsent(finding, world["supervisor"]) and _unsent(finding, world["company_user"])
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "assign_revisit")).one()
    assert entry.changes["to"] == str(other.id) and entry.changes["reminders_moved"] == 4

    # Handed back: the first inspector's reminders are wanted again (revived, not duplicated).
    assign_revisit(revisit, world["inspector"], world["supervisor"], now=OVERDUE_DAY)
    assert {r.id for r in _unsent(finding, world["inspector"])} == {r.id for r in before}
    assert _unsent(finding, other) == []


def test_reassigning_is_refused_outside_the_rule(world, make):
    notice, (finding,) = _notice(world, 1)
    mark_finding_overdue(finding, now=OVERDUE_DAY)
    revisit = db.session.scalars(sa.select(Revisit)).one()
    # An inspector account tied to the company would verify its own fix.
    insider = make.user(world["office"], Role.INSPECTOR, region_id=world["tree"]["street"].id,
                        company_id=world["company"].id)
    for target in (world["far_inspector"], world["supervisor"], world["company_user"], insider):
        with pytest.raises(TransitionRefused) as refused:
            assign_revisit(revisit, target, world["supervisor"], now=OVERDUE_DAY)
        assert refused.value.code == "invalid_input"
    for actor in (world["inspector"], world["far_supervisor"]):
        with pytest.raises(TransitionRefused) as refused:
            assign_revisit(revisit, world["inspector"], actor, now=OVERDUE_DAY)
        assert refused.value.code == "forbidden"
    record_revisit_result(revisit, world["inspector"], "fixed", now=OVERDUE_DAY)
    with pytest.raises(TransitionRefused) as refused:
        assign_revisit(revisit, world["inspector"], world["supervisor"], now=OVERDUE_DAY)
    assert refused.value.code == "invalid_transition"


# -- 人工升级 ------------------------------------------------------------------------------------

def test_manual_escalation_needs_a_note_and_follows_the_one_ladder(world):
    notice, (finding,) = _notice(world, 1)
    with pytest.raises(TransitionRefused) as refused:
        escalate_finding(finding, world["supervisor"], now=MONDAY, note="先督办")
    assert refused.value.code == "invalid_transition"  # not overdue yet
    mark_finding_overdue(finding, now=OVERDUE_DAY)
    with pytest.raises(TransitionRefused) as refused:
        escalate_finding(finding, world["supervisor"], now=OVERDUE_DAY, note="  ")
    assert refused.value.code == "invalid_input"
    for actor in ("company_user", "inspector", "far_supervisor"):
        with pytest.raises(TransitionRefused) as refused:
            escalate_finding(finding, world[actor], now=OVERDUE_DAY, note="督办")
        assert refused.value.code == "forbidden"

    assert next_rung(finding).kind == EscalationKind.URGE
    urge = escalate_finding(finding, world["supervisor"], now=OVERDUE_DAY, note="电话督促仍未整改")
    assert (urge.kind, urge.credit_points, urge.note, urge.decided_by_id) == (
        EscalationKind.URGE, 2, "电话督促仍未整改", world["supervisor"].id)
    assert finding.status == S.ESCALATED and next_rung(finding).kind == EscalationKind.INTERVIEW
    penalty = escalate_finding(finding, world["supervisor"], now=OVERDUE_DAY, kind="penalty", note="拒不整改")
    assert penalty.credit_points == 10 and finding.escalation_step == 3
    assert next_rung(finding) is None and finding.next_escalation_at is None
    with pytest.raises(TransitionRefused) as refused:
        escalate_finding(finding, world["supervisor"], now=OVERDUE_DAY, note="再升级")
    assert refused.value.code == "invalid_transition"
    with pytest.raises(TransitionRefused) as refused:
        escalate_finding(finding, world["supervisor"], now=OVERDUE_DAY, kind="jail", note="x")
    assert refused.value.code == "invalid_input"
    notes = db.session.scalars(sa.select(AuditEntry.changes).where(AuditEntry.action == "escalate_finding"))
    assert {c["note"] for c in notes} == {"电话督促仍未整改", "拒不整改"}
