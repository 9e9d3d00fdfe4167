"""The whole rectification loop, through the real services, the real pages, a real SMTP server
and a real tablet core syncing over HTTP, with the scheduler's clock in the test's hands.

Simulated days lie in the past and move forward; the tablet pushes at the real present, so
every step happens after the one before it, as in the field.
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from mobile.findings import complete_revisit, pending_revisits
from mobile.photos import process_photo
from server.domain.models import (
    Escalation,
    EscalationKind,
    Finding,
    FindingStatus,
    Notice,
    NoticeStatus,
    Office,
    PhotoLink,
    PhotoRole,
    Revisit,
    RevisitStatus,
    Role,
    User,
)
from server.domain.models.base import utcnow
from server.domain.photos import PhotoLimits, add_photo
from server.domain.rectification import company_credit, issue_notice
from server.domain.rectification.deadlines import local_date
from server.extensions import db
from server.jobs import run_once
from server.storage import get_photo_store
from tests import factories
from tests.mobile_helpers import engine_for, live_server, new_tablet, seed_office  # noqa: F401
from tests.web_support import login, token_from


def morning(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 1, 30)  # 09:30 in Beijing


@pytest.fixture
def clock(app):
    """The server's clock for pages and services; the scheduler takes it as an argument."""
    state = {"now": utcnow()}
    app.config["CLOCK"] = lambda: state["now"]
    return state


@pytest.fixture
def field(app, live_server):  # noqa: F811 (pytest fixture from mobile_helpers)
    """An office with one estate, its company, a supervisor, the seed's inspector, a finding
    found `days_ago` with an evidence photo; returns ids and names."""
    seed = seed_office(app, estates=1)

    def make(days_ago: int) -> dict:
        found = utcnow() - timedelta(days=days_ago)
        with app.app_context():
            office = db.session.get(Office, uuid.UUID(seed.office_id))
            inspector = db.session.get(User, uuid.UUID(seed.user_id))
            estate = db.session.get(factories.Estate, uuid.UUID(seed.estate_ids[0]))
            supervisor = factories.user(office, Role.SUPERVISOR, region_id=inspector.region_id)
            company_user = factories.user(office, Role.COMPANY, company_id=estate.company_id)
            finding = factories.finding(estate, category="飞线充电", location="5栋1单元",
                                        description="5栋楼道私拉电线给电动车充电", found_at=found,
                                        reported_by_id=inspector.id, due_at=None)
            limits = PhotoLimits.from_config(app.config)
            photo = add_photo(get_photo_store(app), factories.jpeg_bytes(seed=1), limits, inspector)
            db.session.add(PhotoLink(photo_sha256=photo.sha256, role=PhotoRole.EVIDENCE,
                                     finding_id=finding.id, region_code=finding.region_code))
            out = {"seed": seed, "estate": str(estate.id), "finding": finding.id, "evidence": photo.sha256,
                   "found": found, "supervisor": supervisor.username, "supervisor_email": supervisor.email,
                   "company_user": company_user.username, "company_email": company_user.email,
                   "company_id": estate.company_id, "inspector_email": inspector.email}
            db.session.commit()
        return out

    return make


DEADLINE_MAIL = {"before", "due", "overdue"}


def _mails_between(smtp, run) -> list:
    """The deadline reminders mailed while `run` runs (the loop's events and the revisit's own
    reminders are tests/test_notifications.py's)."""
    before = len(smtp.sink.messages)
    run()
    return [m for m in smtp.sink.messages[before:] if m["X-Xuncha-Kind"] in DEADLINE_MAIL]


def test_finding_to_notice_to_reply_to_revisit_to_close_out(app, live_server, field, clock, smtp, tmp_path):  # noqa: F811
    world = field(days_ago=10)
    everyone = {world["company_email"], world["supervisor_email"], world["inspector_email"]}
    clock["now"] = world["found"] + timedelta(hours=1)

    # The supervisor sees the finding with its photo and issues a notice from the page.
    supervisor = app.test_client()
    login(supervisor, world["supervisor"])
    page = supervisor.get(f"/estates/{world['estate']}").get_data(as_text=True)
    assert "5栋楼道私拉电线给电动车充电" in page and world["evidence"] in page
    response = supervisor.post(f"/estates/{world['estate']}/notices", data={
        "csrf_token": token_from(supervisor, f"/estates/{world['estate']}"),
        "finding_id": str(world["finding"]), "day_kind": "calendar"})
    assert response.status_code == 302
    notice_id = re.search(r"/notices/([0-9a-f-]{36})", response.headers["Location"]).group(1)
    with app.app_context():
        notice = db.session.get(Notice, uuid.UUID(notice_id))
        label = notice.label
        due = local_date(db.session.get(Finding, world["finding"]).due_at)
    assert due == local_date(clock["now"]) + timedelta(days=7)  # a major finding: 7 calendar days

    # The printed notice carries the number and the finding.
    pdf = supervisor.get(f"/notices/{notice_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).replace("\n", "")
    assert label in text and "5栋楼道私拉电线给电动车充电" in text

    # Reminders: three days before and one day before, to all three people, once each.
    with app.app_context():
        for day in (due - timedelta(days=4), due - timedelta(days=3), due - timedelta(days=2),
                    due - timedelta(days=1)):
            mails = _mails_between(smtp, lambda d=day: [run_once(morning(d)), run_once(morning(d))])
            expected = everyone if day in (due - timedelta(days=3), due - timedelta(days=1)) else set()
            assert sorted(m["To"] for m in mails) == sorted(expected), day

    # The company logs in on its phone, sees the reminder and its notice, and reports the fix.
    company = app.test_client()
    login(company, world["company_user"])
    assert "整改即将到期" in company.get("/inbox").get_data(as_text=True)
    assert label in company.get("/company/notices").get_data(as_text=True)
    clock["now"] = morning(due - timedelta(days=1)) + timedelta(hours=5)
    report_page = f"/company/findings/{world['finding']}/report"
    after = factories.jpeg_bytes(seed=2)
    response = company.post(report_page, data={
        "csrf_token": token_from(company, report_page), "note": "已拆除飞线，设置集中充电桩",
        "photos": (io.BytesIO(after), "after.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Finding, world["finding"]).status == FindingStatus.RECTIFIED_REPORTED
        revisit = db.session.scalars(sa.select(Revisit)).one()
        assert revisit.inspector_id == uuid.UUID(world["seed"].user_id) and revisit.trigger == "reported"
        revisit_id = revisit.id
        # Reported fixed: the deadline's own reminders stop.
        assert _mails_between(smtp, lambda: run_once(morning(due))) == []

    # The revisit reaches the inspector's tablet; the result comes back by sync and closes out.
    tablet = new_tablet(tmp_path / "tablet", live_server, world["seed"])
    engine_for(tablet).run()
    [view] = pending_revisits(tablet)
    assert view.finding.id == str(world["finding"])
    seen = process_photo(factories.jpeg_bytes(seed=3), tablet.photo_dir, estate="测试", location="5栋")
    complete_revisit(tablet, view.revisit.id, "fixed", "复查合格", photos=[seen])
    report = engine_for(tablet).run()
    assert not getattr(report, "errors", None)
    with app.app_context():
        finding = db.session.get(Finding, world["finding"])
        assert finding.status == FindingStatus.CLOSED and finding.closed_at is not None
        assert db.session.get(Notice, uuid.UUID(notice_id)).status == NoticeStatus.CLOSED
        assert db.session.get(Revisit, revisit_id).status == RevisitStatus.DONE
        assert _mails_between(smtp, lambda: run_once(morning(due + timedelta(days=1)))) == []

    # Before and after stay side by side on the notice page.
    page = supervisor.get(f"/notices/{notice_id}").get_data(as_text=True)
    assert world["evidence"] in page and seen.sha256 in page
    order = [page.index(mark) for mark in ("整改前", world["evidence"], "整改后", seen.sha256)]
    assert order == sorted(order)
    ids = smtp.sink.reminder_ids()
    assert len(ids) == len(set(ids))
    assert sum(m["X-Xuncha-Kind"] in DEADLINE_MAIL for m in smtp.sink.messages) == 6


def test_overdue_reminders_escalation_and_reopening(app, live_server, field, smtp, tmp_path):  # noqa: F811
    world = field(days_ago=40)
    start = world["found"] + timedelta(hours=1)
    with app.app_context():
        finding = db.session.get(Finding, world["finding"])
        supervisor = db.session.scalars(sa.select(User).where(User.username == world["supervisor"])).one()
        issue_notice(finding.estate, [finding], supervisor, now=start)
        due = local_date(finding.due_at)
        db.session.commit()
        sent = {}
        for offset in (-3, -1, 0, 1, 8, 15):
            day = due + timedelta(days=offset)
            sent[offset] = _mails_between(smtp, lambda d=day: run_once(morning(d)))
        assert {k: len(v) for k, v in sent.items()} == {-3: 3, -1: 3, 0: 3, 1: 3, 8: 3, 15: 3}
        assert all("已逾期" in m["Subject"] for k in (1, 8, 15) for m in sent[k])
        finding = db.session.get(Finding, world["finding"])
        assert finding.status == FindingStatus.ESCALATED
        kinds = db.session.scalars(sa.select(Escalation.kind).order_by(Escalation.decided_at)).all()
        assert kinds == [EscalationKind.URGE, EscalationKind.INTERVIEW]  # 7 and 14 days overdue
        assert company_credit(world["company_id"]) == 100 - 2 - 5
        revisit = db.session.scalars(sa.select(Revisit)).one()
        assert revisit.trigger == "deadline" and revisit.status == RevisitStatus.PENDING

    # The inspector goes back, finds it not fixed: the tablet's result reopens the finding.
    tablet = new_tablet(tmp_path / "tablet", live_server, world["seed"])
    engine_for(tablet).run()
    [view] = pending_revisits(tablet)
    complete_revisit(tablet, view.revisit.id, "not_fixed", "仍有飞线")
    engine_for(tablet).run()
    with app.app_context():
        finding = db.session.get(Finding, world["finding"])
        assert finding.status == FindingStatus.REOPENED
        new_due = local_date(finding.due_at)
        assert new_due > date.today()
        for before in (3, 1):
            mails = _mails_between(smtp, lambda b=before: run_once(morning(new_due - timedelta(days=b))))
            assert len(mails) == 3 and all("即将到期" in m["Subject"] for m in mails)
    ids = smtp.sink.reminder_ids()
    assert len(ids) == len(set(ids))
