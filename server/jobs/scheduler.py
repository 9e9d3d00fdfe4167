"""One scheduler tick, and the loops that repeat it (a thread in the server, or a worker).

Every step works in short transactions of a batch each. Rows are claimed with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers split the work instead of doing it
twice; on SQLite each step first takes the database's single write lock, so two processes on
one file take turns. Reminders go through a lease (see server.domain.rectification.reminders):
a crashed worker's claim runs out and another worker sends the message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from server.domain.models import Finding, Reminder, User
from server.domain.models.base import utcnow
from server.domain.photos import discard_abandoned_uploads
from server.domain.rectification.escalations import (
    due_escalations,
    due_overdue,
    escalate_finding,
    mark_finding_overdue,
)
from server.domain.rectification.reminders import (
    cancel_claimed,
    claim_due_reminders,
    mark_reminder_failed,
    mark_reminder_sent,
    still_needed,
)
from server.domain.rectification.settings import setting
from server.extensions import db
from server.notify import deliver
from server.storage import get_photo_store

log = logging.getLogger("xuncha.jobs")


@dataclass
class TickReport:
    overdue: int = 0
    escalated: int = 0
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    uploads_discarded: int = 0
    exports: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"逾期 overdue={self.overdue} 升级 escalated={self.escalated} 已发送 sent={self.sent} "
                f"失败 failed={self.failed} 取消 cancelled={self.cancelled}")


def _take_write_lock() -> None:
    """On SQLite, start the transaction with a write so its reads see the latest commit and no
    other process can write until we commit (PostgreSQL uses row locks instead)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(sa.text("UPDATE change_counter SET value = value WHERE id = 1"))


def _run_batches(select: Callable[[], sa.Select], act: Callable[[Finding], None], batch: int) -> int:
    done = 0
    while True:
        _take_write_lock()
        findings = db.session.scalars(select()).all()
        for finding in findings:
            act(finding)
        db.session.commit()
        done += len(findings)
        if len(findings) < batch:
            return done


def mark_overdue_step(now: datetime, batch: int = 200) -> int:
    return _run_batches(lambda: due_overdue(now, batch), lambda f: mark_finding_overdue(f, now=now), batch)


def escalate_step(now: datetime, batch: int = 200) -> int:
    return _run_batches(lambda: due_escalations(now, batch),
                        lambda f: escalate_finding(f, None, now=now), batch)


def deliver_step(now: datetime, report: TickReport, batch: int = 50) -> None:
    while True:
        _take_write_lock()
        claim = claim_due_reminders(now, batch)
        db.session.commit()
        for reminder_id in claim.reminder_ids:
            _deliver_one(reminder_id, claim.token, now, report)
        if len(claim.reminder_ids) < batch:
            return


def _deliver_one(reminder_id, token: str, now: datetime, report: TickReport) -> None:
    reminder = db.session.get(Reminder, reminder_id)
    finding = db.session.get(Finding, reminder.finding_id)
    recipient = db.session.get(User, reminder.recipient_id)
    if not still_needed(reminder, finding) or not recipient.active:
        cancel_claimed(reminder, now)
        db.session.commit()
        report.cancelled += 1
        return
    try:
        subject, body = deliver(reminder, finding, recipient)
    except Exception as exc:  # any channel failure: keep it, count it, retry later
        db.session.rollback()
        error = f"{type(exc).__name__}: {exc}"
        log.warning("reminder %s not delivered (%s)", reminder_id, error)
        _take_write_lock()
        mark_reminder_failed(reminder_id, token, now, error)
        db.session.commit()
        report.failed += 1
        report.errors.append(error)
        return
    _take_write_lock()
    db.session.refresh(reminder)
    if mark_reminder_sent(reminder, token, now, subject, body):
        report.sent += 1
    db.session.commit()


# A tablet resumes an upload within hours; a partial file a week old belongs to a lost tablet.
ABANDONED_UPLOAD_AGE = timedelta(days=7)


def discard_uploads_step(_now: datetime) -> int:
    """Free the disk held by photo uploads nobody came back to finish."""
    return discard_abandoned_uploads(get_photo_store(current_app), ABANDONED_UPLOAD_AGE)


def export_step(now: datetime) -> int:
    """Run the exports people are waiting for (问题台账 and lists as XLSX)."""
    from server.domain.exports.jobs import export_folder, run_export_jobs

    return run_export_jobs(now, export_folder(current_app))


def run_once(now: datetime | None = None) -> TickReport:
    """One tick: deadlines that passed, escalations that fell due, reminders to deliver.
    Call inside an app context; each step commits its own batches."""
    now = now or utcnow()
    report = TickReport()
    steps = (("overdue", mark_overdue_step), ("escalated", escalate_step),
             ("uploads_discarded", discard_uploads_step), ("exports", export_step))
    for name, step in steps:
        try:
            setattr(report, name, step(now))
        except Exception as exc:
            db.session.rollback()
            log.exception("scheduler step %s failed", name)
            report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
    try:
        deliver_step(now, report)
    except Exception as exc:
        db.session.rollback()
        log.exception("reminder delivery failed")
        report.errors.append(f"deliver: {type(exc).__name__}: {exc}")
    return report


def run_forever(app: Flask, stop: threading.Event, interval: float | None = None,
                clock: Callable[[], datetime] = utcnow) -> None:
    """Tick every `interval` seconds until `stop` is set; an error never ends the loop."""
    with app.app_context():
        wait = float(interval or setting("SCHEDULER_INTERVAL_SECONDS"))
    while not stop.is_set():
        with app.app_context():
            try:
                report = run_once(clock())
                if report.overdue or report.escalated or report.sent or report.failed:
                    log.info("scheduler tick: %s", report)
            except Exception:
                log.exception("scheduler tick failed")
        stop.wait(wait)


class SchedulerThread(threading.Thread):
    def __init__(self, app: Flask, interval: float | None = None) -> None:
        super().__init__(name="xuncha-scheduler", daemon=True)
        self.app = app
        self.interval = interval
        self.stop_event = threading.Event()

    def run(self) -> None:
        run_forever(self.app, self.stop_event, self.interval)

    def stop(self, timeout: float | None = 10) -> None:
        self.stop_event.set()
        self.join(timeout)


def start_scheduler_thread(app: Flask, interval: float | None = None) -> SchedulerThread:
    """Run the scheduler inside this server process (the one-machine default)."""
    thread = SchedulerThread(app, interval)
    thread.start()
    return thread
