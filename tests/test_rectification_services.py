"""The rectification services one by one: notices, deadlines, replies, revisits, escalation."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa

from server.domain.models import (
    AuditEntry,
    EscalationKind,
    FindingStatus,
    NoticeStatus,
    RectificationStatus,
    Reminder,
    ReminderKind,
    Revisit,
    RevisitResult,
    RevisitStatus,
    Role,
    Severity,
)
from server.domain.rectification import (
    DayKind,
    TransitionRefused,
    company_credit,
    escalate_finding,
    issue_notice,
    mark_finding_overdue,
    record_revisit_result,
    report_rectification,
    set_calendar_day,
)
from server.domain.rectification.deadlines import local_date
from server.domain.rectification.reminders import DEADLINE_KINDS
from server.extensions import db

S = FindingStatus
# 2026-03-02 is a Monday; 10:00 in Beijing is 02:00 UTC.
MONDAY = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def world(make):
    return make.loop_world(legal_basis="《物业管理条例》第四十六条")


def _findings(world, n=2, **kw):
    make, estate = world["make"], world["estate"]
    by = world["inspector"].id
    return [make.finding(estate, reported_by_id=by, found_at=MONDAY, **kw) for _ in range(n)]


def test_issue_notice_numbers_and_deadlines(world):
    (minor,) = _findings(world, 1, severity=Severity.MINOR)
    (severe,) = _findings(world, 1, severity=Severity.SEVERE)
    notice = issue_notice(world["estate"], [minor, severe], world["supervisor"], now=MONDAY)
    assert notice.label == "〔2026〕第0001号"
    assert minor.status == severe.status == S.NOTIFIED
    assert local_date(minor.due_at) == date(2026, 3, 17)  # 15 calendar days
    assert local_date(severe.due_at) == date(2026, 3, 5)  # 3 calendar days
    assert notice.legal_basis == "《物业管理条例》第四十六条"
    second = issue_notice(world["estate"], _findings(world, 1), world["supervisor"], now=MONDAY)
    assert second.number == 2
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity == "notice")).all()
    assert actions == ["issue_notice", "issue_notice"]


def test_working_day_deadline_skips_the_national_holiday(world):
    # Issued Monday 2026-09-28: 1 Oct – 7 Oct is the National Day holiday.
    (finding,) = _findings(world, 1, severity=Severity.SEVERE)
    issue_notice(world["estate"], [finding], world["supervisor"], now=datetime(2026, 9, 28, 2, 0),
                 day_kind=DayKind.WORKING)
    assert local_date(finding.due_at) > date(2026, 10, 7)


def test_office_holiday_moves_a_working_day_deadline(world):
    keeper = world["make"].user(world["office"], Role.ADMIN)  # the calendar is office-wide
    set_calendar_day(world["office"], date(2026, 3, 4), False, keeper, name="本地假日")
    (finding,) = _findings(world, 1, severity=Severity.SEVERE)
    issue_notice(world["estate"], [finding], world["supervisor"], now=MONDAY, day_kind="working")
    assert local_date(finding.due_at) == date(2026, 3, 6)  # Tue, (Wed off), Thu, Fri


def test_hand_set_deadline_and_refusals(world):
    a, b = _findings(world)
    issue_notice(world["estate"], [a], world["supervisor"], now=MONDAY,
                 due_dates={a.id: date(2026, 3, 20)})
    assert local_date(a.due_at) == date(2026, 3, 20)
    with pytest.raises(TransitionRefused) as refused:
        issue_notice(world["estate"], [a], world["supervisor"], now=MONDAY)
    assert refused.value.code == "invalid_transition"
    with pytest.raises(TransitionRefused) as refused:
        issue_notice(world["estate"], [b], world["inspector"], now=MONDAY)
    assert refused.value.code == "forbidden"
    with pytest.raises(TransitionRefused):
        issue_notice(world["estate"], [b], world["supervisor"], now=MONDAY,
                     due_dates={b.id: date(2026, 3, 1)})
    assert b.status == S.OPEN


def test_reminders_are_planned_for_every_recipient_and_day(world):
    (finding,) = _findings(world, 1)  # major: 7 days → due 2026-03-09
    issue_notice(world["estate"], [finding], world["supervisor"], now=MONDAY)
    rows = db.session.scalars(sa.select(Reminder).where(Reminder.finding_id == finding.id,
                                                        Reminder.kind.in_(DEADLINE_KINDS))).all()
    recipients = {r.recipient_id for r in rows}
    assert recipients == {world["company_user"].id, world["inspector"].id, world["supervisor"].id}
    kinds = sorted({(r.kind, local_date(r.scheduled_at)) for r in rows})
    assert kinds == sorted([(ReminderKind.BEFORE, date(2026, 3, 6)), (ReminderKind.BEFORE, date(2026, 3, 8)),
                            (ReminderKind.DUE, date(2026, 3, 9)), (ReminderKind.OVERDUE, date(2026, 3, 10))])


def test_company_report_creates_a_balanced_revisit_and_close_out(world, make):
    other = make.user(world["office"], Role.INSPECTOR, region_id=world["tree"]["community"].id)
    first, second = _findings(world)
    notice = issue_notice(world["estate"], [first, second], world["supervisor"], now=MONDAY)
    r1 = report_rectification(first, world["company_user"], now=MONDAY, note="已清理")
    r2 = report_rectification(second, world["company_user"], now=MONDAY, note="已清理")
    assert first.status == S.RECTIFIED_REPORTED
    revisits = db.session.scalars(sa.select(Revisit).order_by(Revisit.created_at)).all()
    assert {v.inspector_id for v in revisits} == {world["inspector"].id, other.id}
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
        Reminder.cancelled_at.is_(None), Reminder.finding_id == first.id, Reminder.kind.in_(DEADLINE_KINDS)))
    assert pending == 0
    assert report_rectification(first, world["company_user"], now=MONDAY, rectification_id=r1.id) is r1
    # Each inspector records their own revisit (another's is refused: tests/test_security_scoping.py).
    assignee = {world["inspector"].id: world["inspector"], other.id: other}
    for revisit in revisits:
        record_revisit_result(revisit, assignee[revisit.inspector_id], RevisitResult.FIXED, now=MONDAY)
    assert first.status == second.status == S.CLOSED
    assert r1.status == r2.status == RectificationStatus.ACCEPTED
    assert notice.status == NoticeStatus.CLOSED
    # The same result again (a replayed sync push) is accepted and changes nothing.
    mine = assignee[revisits[0].inspector_id]
    record_revisit_result(revisits[0], mine, "fixed", now=MONDAY)
    with pytest.raises(TransitionRefused) as refused:
        record_revisit_result(revisits[0], mine, "not_fixed", now=MONDAY)
    assert refused.value.code == "revisit_done"


def test_company_user_cannot_report_or_verify(world, make):
    stranger_company = make.company(world["office"])
    stranger = make.user(world["office"], Role.COMPANY, company_id=stranger_company.id)
    (finding,) = _findings(world, 1)
    issue_notice(world["estate"], [finding], world["supervisor"], now=MONDAY)
    with pytest.raises(TransitionRefused) as refused:
        report_rectification(finding, stranger, now=MONDAY)
    assert refused.value.code == "forbidden"
    report_rectification(finding, world["company_user"], now=MONDAY)
    revisit = db.session.scalars(sa.select(Revisit)).one()
    with pytest.raises(TransitionRefused):
        record_revisit_result(revisit, world["company_user"], "fixed", now=MONDAY)
    assert revisit.status == RevisitStatus.PENDING


def test_overdue_escalation_ladder_and_reopen(world):
    (finding,) = _findings(world, 1)
    issue_notice(world["estate"], [finding], world["supervisor"], now=MONDAY)
    mark_finding_overdue(finding, now=datetime(2026, 3, 10, 2))
    assert finding.status == S.OVERDUE
    revisit = db.session.scalars(sa.select(Revisit)).one()
    assert revisit.trigger == "deadline" and revisit.inspector_id == world["inspector"].id
    assert local_date(finding.next_escalation_at) == date(2026, 3, 16)
    urge = escalate_finding(finding, None, now=datetime(2026, 3, 17, 2))
    interview = escalate_finding(finding, None, now=datetime(2026, 3, 24, 2))
    assert [urge.kind, interview.kind] == [EscalationKind.URGE, EscalationKind.INTERVIEW]
    assert finding.status == S.ESCALATED
    assert company_credit(world["company"].id) == 100 - 2 - 5
    record_revisit_result(revisit, world["inspector"], "not_fixed", now=datetime(2026, 3, 25, 2),
                          new_due_on=date(2026, 4, 3))
    assert finding.status == S.REOPENED and local_date(finding.due_at) == date(2026, 4, 3)
    assert finding.next_escalation_at is None
    fresh = db.session.scalars(sa.select(Reminder).where(
        Reminder.cancelled_at.is_(None), Reminder.sent_at.is_(None))).all()
    assert {local_date(r.scheduled_at) for r in fresh} >= {date(2026, 4, 3), date(2026, 4, 4)}


def test_concurrent_issuers_get_distinct_consecutive_numbers(app, world):
    import threading

    from server.domain.models import Finding, Notice, User

    findings = _findings(world, 20)
    ids = [f.id for f in findings]
    supervisor_id, estate_id = world["supervisor"].id, world["estate"].id
    db.session.commit()
    barrier, errors = threading.Barrier(4), []

    def issuer(mine):
        with app.app_context():
            try:
                barrier.wait()
                for finding_id in mine:
                    finding = db.session.get(Finding, finding_id)
                    issue_notice(finding.estate, [finding], db.session.get(User, supervisor_id), now=MONDAY)
                    db.session.commit()
            except Exception as exc:  # reported below, in the test's thread
                errors.append(exc)
                db.session.rollback()

    threads = [threading.Thread(target=issuer, args=(ids[n::4],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    numbers = sorted(db.session.scalars(sa.select(Notice.number).where(Notice.estate_id == estate_id)))
    assert numbers == list(range(1, 21))
