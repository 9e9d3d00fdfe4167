"""Reminders through a real SMTP server, with the clock in the test's hands."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa

from server.domain.models import AuditEntry, Channel, FindingStatus, Reminder, ReminderKind
from server.domain.rectification import issue_notice, report_rectification
from server.domain.rectification.deadlines import local_date
from server.domain.rectification.reminders import DEADLINE_KINDS
from server.extensions import db
from server.jobs import run_once
from tests.smtp_sink import free_port

MONDAY = datetime(2026, 3, 2, 2, 0)  # 10:00 in Beijing; a major finding is due Monday 2026-03-09


def at_nine_thirty(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 30)  # 09:30 Beijing


@pytest.fixture
def world(make):
    return make.loop_world()


def _notice(world, n=1):
    findings = [world["make"].finding(world["estate"], reported_by_id=world["inspector"].id, found_at=MONDAY)
                for _ in range(n)]
    issue_notice(world["estate"], findings, world["supervisor"], now=MONDAY)
    db.session.commit()
    run_once(MONDAY)  # the company hears of the notice at once (tests/test_notifications.py)
    return findings


def deadline_mails(smtp) -> list:
    """The mails about a deadline (not the loop's events or the revisit's reminders)."""
    return [m for m in smtp.sink.messages if m["X-Xuncha-Kind"] in {k.value for k in DEADLINE_KINDS}]


def test_reminders_go_out_on_their_days_once_each(world, smtp):
    (finding,) = _notice(world)
    recipients = {world["company_user"].email, world["inspector"].email, world["supervisor"].email}
    expected = {date(2026, 3, 5): 0, date(2026, 3, 6): 3, date(2026, 3, 7): 0, date(2026, 3, 8): 3,
                date(2026, 3, 9): 3, date(2026, 3, 10): 3, date(2026, 3, 16): 0, date(2026, 3, 17): 3}
    for day, count in expected.items():
        before = len(deadline_mails(smtp))
        report = run_once(at_nine_thirty(day))
        again = run_once(at_nine_thirty(day))  # a second tick the same morning sends nothing
        assert len(deadline_mails(smtp)) - before == count, day
        assert again.sent == 0 and not report.errors
        if count:
            assert {m["To"] for m in deadline_mails(smtp)[before:]} == recipients
    subjects = [m["Subject"] for m in deadline_mails(smtp)]
    assert sum("即将到期" in s for s in subjects) == 6 and sum("已逾期" in s for s in subjects) == 6
    finding = db.session.merge(finding)
    assert finding.status == FindingStatus.ESCALATED  # 7 days overdue on 3/17 → 督办
    ids = smtp.sink.reminder_ids()
    assert len(ids) == len(set(ids))
    inbox = db.session.scalars(sa.select(Reminder).where(
        Reminder.channel == Channel.INBOX, Reminder.recipient_id == world["company_user"].id,
        Reminder.sent_at.is_not(None), Reminder.kind.in_(DEADLINE_KINDS))).all()
    assert sorted(local_date(r.sent_at) for r in inbox) == [date(2026, 3, d) for d in (6, 8, 9, 10, 17)]


def test_a_failed_delivery_is_retried_later_never_dropped(world, smtp):
    _notice(world)
    smtp.sink.refuse_next = 3
    now = at_nine_thirty(date(2026, 3, 6))
    report = run_once(now)
    assert report.failed == 3 and report.sent == 3  # three inbox messages need no transport
    failed = db.session.scalars(
        sa.select(Reminder).where(Reminder.attempts == 1, Reminder.sent_at.is_(None))).all()
    assert len(failed) == 3 and all("451" in r.last_error for r in failed)
    assert run_once(now).sent == 0  # backing off, not hammering
    assert run_once(datetime(2026, 3, 6, 1, 40)).sent == 3
    assert len(deadline_mails(smtp)) == 3
    assert db.session.scalar(sa.select(sa.func.max(Reminder.attempts))) == 2


def test_reporting_a_fix_stops_the_reminders(world, smtp):
    (finding,) = _notice(world)
    report_rectification(db.session.merge(finding), world["company_user"], now=MONDAY)
    db.session.commit()
    report = run_once(at_nine_thirty(date(2026, 3, 20)))
    # (The supervisor hears of the report and the inspector of the revisit: not deadline mail.)
    assert report.overdue == 0 and deadline_mails(smtp) == []
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
        Reminder.kind.in_(DEADLINE_KINDS), Reminder.sent_at.is_not(None)))


def test_webhook_is_signed_and_retried(world, smtp, app):
    received, statuses = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = statuses.pop(0) if statuses else 200
            if status == 200:
                received.append((dict(self.headers), body))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app.config.update(WEBHOOK_URL=f"http://127.0.0.1:{server.server_port}/hook", WEBHOOK_SECRET="s3cret")
        _notice(world)
        received.clear()  # the notice itself, told at once
        statuses.append(500)
        run_once(at_nine_thirty(date(2026, 3, 6)))
        assert len(received) == 2  # one of three refused with 500 first
        run_once(datetime(2026, 3, 6, 2, 0))
    finally:
        server.shutdown()
        server.server_close()
    assert len(received) == 3
    for headers, body in received:
        mac = hmac.new(b"s3cret", headers["X-Xuncha-Timestamp"].encode() + b"." + body, hashlib.sha256)
        assert headers["X-Xuncha-Signature"] == "sha256=" + mac.hexdigest()
        payload = json.loads(body)
        assert payload["kind"] == ReminderKind.BEFORE.value and "即将到期" in payload["subject"]


def test_two_scheduler_processes_send_each_reminder_once(world, smtp, app, database_url, tmp_path):
    findings = _notice(world, 25)
    now = at_nine_thirty(date(2026, 3, 10))  # before ×2, due and first overdue: all due at once
    env = {**os.environ, "XUNCHA_DATABASE_URL": database_url, "XUNCHA_INSTANCE": str(tmp_path / "inst"),
           "XUNCHA_MAIL_HOST": "127.0.0.1", "XUNCHA_MAIL_PORT": str(smtp.port)}
    command = [os.path.join(os.path.dirname(sys.executable), "xuncha"), "jobs", "run-once",
               "--now", now.isoformat()]
    workers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    db.session.expire_all()
    due_emails = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
        Reminder.channel == Channel.EMAIL, Reminder.scheduled_at <= now))
    assert due_emails == 25 * 4 * 3 + 1  # and the notice itself, mailed to the company at once
    ids = smtp.sink.reminder_ids()
    assert len(ids) == len(set(ids)) == due_emails
    sent = db.session.scalar(sa.select(sa.func.count()).select_from(Reminder).where(
        Reminder.sent_at.is_not(None), Reminder.scheduled_at <= now))
    assert sent == due_emails * 2  # and every inbox one
    overdue_marks = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "mark_overdue"))
    assert overdue_marks == len(findings)


def test_the_scheduler_thread_inside_the_server_does_the_work(world, smtp, app):
    from datetime import timedelta

    from server.domain.models.base import utcnow
    from server.jobs import start_scheduler_thread

    finding = world["make"].finding(world["estate"], reported_by_id=world["inspector"].id,
                                    found_at=utcnow() - timedelta(days=20))
    issue_notice(world["estate"], [finding], world["supervisor"], now=utcnow() - timedelta(days=20))
    db.session.commit()
    finding_id = finding.id
    thread = start_scheduler_thread(app, interval=0.05)
    try:
        for _ in range(400):  # waits for the work, up to 20 s; never asserts on elapsed time
            db.session.expire_all()
            status = db.session.get(type(finding), finding_id).status
            if status == FindingStatus.ESCALATED and len(smtp.sink.messages) >= 3:
                break
            thread.stop_event.wait(0.05)
    finally:
        thread.stop()
    assert not thread.is_alive()
    assert db.session.get(type(finding), finding_id).status == FindingStatus.ESCALATED  # 13 days overdue
    assert len(smtp.sink.messages) >= 3
