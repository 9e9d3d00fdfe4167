"""Notices that reach people: the loop's events go to those concerned by inbox and mail
(a real SMTP server), exactly once; the company reads why a fix was refused; the 回头看 is
reminded to its inspector before, on and after its due day, then to the area's supervisor,
once each even with two schedulers running; reassigning moves and finishing cancels them."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from server.domain.models import Channel, PhotoLink, PhotoRole, Reminder, ReminderKind, Revisit, Role
from server.domain.photos import PhotoLimits, add_photo
from server.domain.rectification import (
    assign_revisit,
    escalate_finding,
    issue_notice,
    mark_finding_overdue,
    record_revisit_result,
    report_rectification,
)
from server.domain.rectification.deadline_extension import extend_deadline
from server.domain.rectification.deadlines import local_date
from server.domain.rectification.notifications import REVISIT_KINDS
from server.extensions import db
from server.jobs import run_once
from server.storage import get_photo_store
from tests.web_support import login

MONDAY = datetime(2026, 3, 2, 2, 0)  # 10:00 in Beijing
K = ReminderKind


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 30)  # 09:30 Beijing


@pytest.fixture
def world(make):
    world = make.loop_world()
    world["finding"] = make.finding(world["estate"], reported_by_id=world["inspector"].id, found_at=MONDAY,
                                    category="楼道堆放杂物", location="3栋2单元")
    world["notice"] = issue_notice(world["estate"], [world["finding"]], world["supervisor"], now=MONDAY)
    db.session.commit()
    return world


def mails(smtp, kind: ReminderKind) -> list:
    return [m for m in smtp.sink.messages if m["X-Xuncha-Kind"] == kind.value]


def test_the_company_gets_the_notice_by_mail_and_reads_why_its_fix_was_refused(world, smtp, app, client):
    run_once(MONDAY)
    run_once(MONDAY + timedelta(minutes=1))  # a second tick sends nothing again
    [mail] = mails(smtp, K.NOTICE_ISSUED)
    assert mail["To"] == world["company_user"].email and world["notice"].label in mail["Subject"]
    assert "楼道堆放杂物（3栋2单元）" in mail.get_content() and "整改期限 2026-03-09" in mail.get_content()

    report_rectification(world["finding"], world["company_user"], now=MONDAY + timedelta(days=2),
                         note="已清理")
    db.session.commit()
    run_once(MONDAY + timedelta(days=2, hours=1))
    told = {m["To"] for m in mails(smtp, K.FIX_REPORTED)}
    assert told == {world["supervisor"].email, world["inspector"].email}  # not the company itself
    assert "整改说明：已清理" in mails(smtp, K.FIX_REPORTED)[0].get_content()

    revisit = db.session.scalars(sa.select(Revisit)).one()
    photo = add_photo(get_photo_store(current_app), world["make"].jpeg_bytes(seed=7),
                      PhotoLimits.from_config(current_app.config))
    db.session.add(PhotoLink(photo_sha256=photo.sha256, role=PhotoRole.AFTER, revisit_id=revisit.id,
                             region_code=revisit.region_code))
    record_revisit_result(revisit, world["inspector"], "not_fixed", now=MONDAY + timedelta(days=3),
                          note="楼道仍有旧家具未清")
    db.session.commit()
    run_once(MONDAY + timedelta(days=3, hours=1))

    failed = {m["To"]: m for m in mails(smtp, K.REVISIT_FAILED)}
    assert set(failed) == {world["company_user"].email, world["supervisor"].email}
    company_mail = failed[world["company_user"].email]
    text = company_mail.get_body(("plain",)).get_content()
    assert "复查意见：楼道仍有旧家具未清" in text and "新的整改期限" in text
    [attached] = list(company_mail.iter_attachments())
    assert attached.get_content_type() == "image/jpeg" and attached.get_content()[:2] == b"\xff\xd8"
    ids = smtp.sink.reminder_ids()
    assert len(ids) == len(set(ids))

    # On the web: the inbox tells it, and the notice page says why.
    login(client, world["company_user"].username)
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "复查未通过" in inbox and "楼道仍有旧家具未清" in inbox
    page = client.get(f"/notices/{world['notice'].id}").get_data(as_text=True)
    assert "复查未通过" in page and "楼道仍有旧家具未清" in page


def test_escalations_and_deadline_changes_tell_the_company_and_not_the_actor(world, smtp):
    extend_deadline(world["finding"], world["supervisor"], date(2026, 3, 20), "业主协调需要时间",
                    now=datetime(2026, 3, 3, 3))
    mark_finding_overdue(world["finding"], now=datetime(2026, 3, 21, 2))
    escalate_finding(world["finding"], world["supervisor"], now=datetime(2026, 3, 22, 2), kind="urge",
                     note="请三日内清理")
    db.session.commit()
    run_once(datetime(2026, 3, 22, 4))
    [urged] = mails(smtp, K.ESCALATED)
    assert urged["To"] == world["company_user"].email and "督办" in urged["Subject"]
    assert "处理意见：请三日内清理" in urged.get_content()
    changed = {m["To"] for m in mails(smtp, K.DEADLINE_CHANGED)}
    # The inspector of the revisit the passed deadline made hears of it too; the supervisor acted.
    assert changed == {world["company_user"].email, world["inspector"].email}
    assert "新的整改期限：2026-03-20" in mails(smtp, K.DEADLINE_CHANGED)[0].get_content()


def _late_revisit(world) -> Revisit:
    report_rectification(world["finding"], world["company_user"], now=MONDAY, note="已清理")
    db.session.commit()
    return db.session.scalars(sa.select(Revisit)).one()


def _two_schedulers(app, now: datetime) -> None:
    start = threading.Barrier(2)
    errors = []

    def tick() -> None:
        with app.app_context():
            start.wait()
            errors.extend(run_once(now).errors)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_a_revisit_left_undone_reminds_its_inspector_then_the_supervisor_once_each(world, smtp, app):
    revisit = _late_revisit(world)
    due = local_date(revisit.due_at)
    assert due == date(2026, 3, 5)  # three working days after Monday
    expected = {due - timedelta(days=2): [], due - timedelta(days=1): [(K.REVISIT_BEFORE, "inspector")],
                due: [(K.REVISIT_DUE, "inspector")],
                due + timedelta(days=1): [(K.REVISIT_OVERDUE, "inspector"),
                                          (K.REVISIT_LATE_SUPERVISOR, "supervisor")],
                due + timedelta(days=9): []}
    for day, wanted in expected.items():
        before = len(smtp.sink.messages)
        _two_schedulers(app, morning(day))
        got = sorted((m["X-Xuncha-Kind"], m["To"]) for m in smtp.sink.messages[before:]
                     if m["X-Xuncha-Kind"] in {k.value for k in REVISIT_KINDS})
        assert got == sorted((kind.value, world[who].email) for kind, who in wanted), day
    ids = smtp.sink.reminder_ids()
    assert len(ids) == len(set(ids))
    late = mails(smtp, K.REVISIT_LATE_SUPERVISOR)[0].get_content()
    assert "回头看逾期未完成" in late and world["inspector"].display_name in late
    inbox = db.session.scalars(sa.select(Reminder).where(
        Reminder.recipient_id == world["inspector"].id, Reminder.channel == Channel.INBOX,
        Reminder.kind.in_(REVISIT_KINDS), Reminder.sent_at.is_not(None))).all()
    assert sorted(r.kind for r in inbox) == sorted([K.REVISIT_BEFORE, K.REVISIT_DUE, K.REVISIT_OVERDUE])


def _unsent(revisit, user) -> list[ReminderKind]:
    return sorted(db.session.scalars(sa.select(Reminder.kind).where(
        Reminder.revisit_id == revisit.id, Reminder.recipient_id == user.id, Reminder.kind.in_(REVISIT_KINDS),
        Reminder.channel == Channel.INBOX, Reminder.sent_at.is_(None), Reminder.cancelled_at.is_(None))))


def test_reassigning_moves_the_revisit_reminders_and_finishing_cancels_them(world, make):
    revisit = _late_revisit(world)
    other = make.user(world["office"], Role.INSPECTOR, region_id=world["tree"]["community"].id)
    inspector_kinds = sorted([K.REVISIT_BEFORE, K.REVISIT_DUE, K.REVISIT_OVERDUE])
    assert _unsent(revisit, world["inspector"]) == inspector_kinds

    assign_revisit(revisit, other, world["supervisor"], now=MONDAY + timedelta(hours=2))
    assert _unsent(revisit, world["inspector"]) == [] and _unsent(revisit, other) == inspector_kinds
    assert _unsent(revisit, world["supervisor"]) == [K.REVISIT_LATE_SUPERVISOR]
    assign_revisit(revisit, world["inspector"], world["supervisor"], now=MONDAY + timedelta(hours=3))
    assert _unsent(revisit, world["inspector"]) == inspector_kinds and _unsent(revisit, other) == []

    record_revisit_result(revisit, world["inspector"], "fixed", now=MONDAY + timedelta(days=1), note="已清")
    assert _unsent(revisit, world["inspector"]) == [] and _unsent(revisit, world["supervisor"]) == []


def test_overdue_revisits_are_marked_where_they_are_listed(world, app, client):
    revisit = _late_revisit(world)
    app.config["CLOCK"] = lambda: morning(local_date(revisit.due_at) + timedelta(days=3))
    login(client, world["inspector"].username)
    page = client.get("/revisits").get_data(as_text=True)
    assert "已逾期3天" in page
    login(client, world["supervisor"].username)
    assert "已逾期3天" in client.get(f"/notices/{world['notice'].id}").get_data(as_text=True)
