"""The supervisor's pages over HTTP: the work calendar, reassigning a revisit, escalating by
hand and cancelling a notice — with the token, for the right roles only, and every refusal a
flash message on the page, never a 500."""

from __future__ import annotations

import io
import os
import shutil
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from server.domain.models import (
    Escalation,
    EscalationKind,
    Finding,
    FindingStatus,
    Notice,
    NoticeStatus,
    Revisit,
    Role,
    WorkCalendarDay,
)
from server.domain.rectification import issue_notice, mark_finding_overdue
from server.extensions import db
from tests.browser_support import CHROMIUM, FLAGS, log_in, needs_chromium
from tests.mobile_helpers import live_server  # noqa: F401
from tests.web_support import login, token_from

MONDAY = datetime(2026, 3, 2, 2, 0)  # a major finding issued now is due 2026-03-09
NOW = datetime(2026, 3, 11, 2, 0)


@pytest.fixture
def office(app, make):
    app.config["CLOCK"] = lambda: NOW
    office = make.office()
    tree = make.region_tree(office)
    other_district = make.region(office, tree["city"], name="别的区")
    company = make.company(office, name="阳光物业")
    estate = make.estate(tree["community"], company, name="阳光花园")
    supervisor = make.user(office, Role.SUPERVISOR, region_id=tree["district"].id)
    inspector = make.user(office, Role.INSPECTOR, region_id=tree["street"].id)
    late, waiting = (make.finding(estate, reported_by_id=inspector.id, found_at=MONDAY, category=c)
                     for c in ("消防通道占用", "楼道堆放杂物"))
    notice = issue_notice(estate, [late, waiting], supervisor, now=MONDAY)
    waiting.due_at = datetime(2026, 3, 20, 15, 59, 59)  # not due yet
    mark_finding_overdue(late, now=datetime(2026, 3, 10, 2))
    second = make.user(office, Role.INSPECTOR, region_id=tree["community"].id)
    ids = {
        "supervisor": supervisor.username, "inspector": inspector.username, "second": second.username,
        "second_id": str(second.id),
        "far_supervisor": make.user(office, Role.SUPERVISOR, region_id=other_district.id).username,
        # The work calendar holds office-wide, so its keeper covers the whole office.
        "chief": make.user(office, Role.SUPERVISOR, region_id=tree["city"].id).username,
        "far_inspector": make.user(office, Role.INSPECTOR, region_id=other_district.id),
        "company": make.user(office, Role.COMPANY, company_id=company.id).username,
        "notice": str(notice.id), "label": notice.label, "estate": str(estate.id),
        "late": str(late.id), "waiting": str(waiting.id),
        "revisit": str(db.session.scalars(sa.select(Revisit)).one().id),
    }
    far = ids["far_inspector"]
    ids["far_inspector_id"], ids["far_inspector"] = str(far.id), far.username
    db.session.commit()
    return ids


def post(client, path: str, data: dict, token_page: str):
    return client.post(path, data={"csrf_token": token_from(client, token_page), **data},
                       follow_redirects=True)


def text(response) -> str:
    return response.get_data(as_text=True)


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# -- 工作日历 ------------------------------------------------------------------------------------

def test_calendar_page_shows_the_official_year_and_edits_our_exceptions(client, office):
    login(client, office["chief"])
    html = page(client, "/calendar?year=2026")
    assert "国庆节" in html and "2026-10-10" in html and "本年度没有本单位的例外" in html
    assert client.post("/calendar", data={"day": "2026-03-04", "kind": "holiday"}).status_code == 400

    html = text(post(client, "/calendar", {"day": "2026-03-04", "kind": "holiday", "name": "防汛停工",
                                           "year": 2026}, "/calendar?year=2026"))
    assert "已设置 2026-03-04 为休息日" in html and "防汛停工" in html
    html = post(client, "/calendar", {"day": "2026-10-03", "kind": "holiday", "year": 2026},
                "/calendar").get_data(as_text=True)
    assert "与官方相同" in html  # 3 October is a holiday anyway
    rows = db.session.scalars(sa.select(WorkCalendarDay).order_by(WorkCalendarDay.day)).all()
    assert [(r.day, r.is_workday, r.name) for r in rows] == [
        (date(2026, 3, 4), False, "防汛停工"), (date(2026, 10, 3), False, "")]

    for data, message in (({"day": "3月4日", "kind": "holiday"}, "日期格式错误"),
                          ({"day": "2026-03-05", "kind": "maybe"}, "请选择休息日或工作日"),
                          ({"day": "2026-03-05", "kind": "workday", "name": "长" * 51}, "名称不能超过")):
        response = post(client, "/calendar", {**data, "year": 2026}, "/calendar")
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkCalendarDay)) == 2

    remove = {"day": "2026-03-04", "year": 2026}
    html = text(post(client, "/calendar/remove", remove, "/calendar"))
    assert "已删除 2026-03-04 的例外" in html and "防汛停工" not in html
    html = text(post(client, "/calendar/remove", remove, "/calendar"))
    assert "没有本单位的例外" in html
    assert "尚未收录" in page(client, "/calendar?year=2099")
    assert client.get("/calendar?year=3000").status_code == 404


@pytest.mark.parametrize("who", ["inspector", "company"])
def test_calendar_is_for_supervisors_and_admins(client, office, who):
    login(client, office[who])
    assert client.get("/calendar").status_code == 403
    assert client.post("/calendar", data={"day": "2026-03-04", "kind": "holiday"}).status_code == 403
    assert client.post("/calendar/remove", data={"day": "2026-03-04"}).status_code == 403


# -- 改派回头看 ----------------------------------------------------------------------------------

def test_supervisor_reassigns_a_revisit_to_an_inspector_of_the_region(client, office):
    login(client, office["supervisor"])
    html = page(client, "/revisits")
    assert f'action="/revisits/{office["revisit"]}/assign"' in html
    assert office["second"] in html and office["inspector"] in html
    assert office["far_inspector"] not in html and office["company"] not in html
    path = f"/revisits/{office['revisit']}/assign"
    assert client.post(path, data={"inspector_id": office["second_id"]}).status_code == 400

    html = post(client, path, {"inspector_id": office["second_id"]}, "/revisits").get_data(as_text=True)
    assert "已改派给" in html
    assert str(db.session.get(Revisit, uuid.UUID(office["revisit"])).inspector_id) == office["second_id"]
    for chosen, message in ((office["far_inspector_id"], "只能分派给"), ("not-a-uuid", "请选择检查员"),
                            ("00000000-0000-4000-8000-000000000000", "检查员不存在")):
        response = post(client, path, {"inspector_id": chosen}, "/revisits")
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert str(db.session.get(Revisit, uuid.UUID(office["revisit"])).inspector_id) == office["second_id"]


def test_reassigning_is_for_the_regions_supervisors(client, office):
    path = f"/revisits/{office['revisit']}/assign"
    login(client, office["inspector"])
    assert "/assign" not in page(client, "/revisits")  # an inspector records results, nothing more
    assert client.post(path, data={"inspector_id": office["second_id"]}).status_code == 403
    client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
    login(client, office["far_supervisor"])
    response = client.post(path, data={"csrf_token": token_from(client, "/revisits"),
                                       "inspector_id": office["second_id"]})
    assert response.status_code == 404


# -- 人工升级 ------------------------------------------------------------------------------------

def test_supervisor_escalates_an_overdue_finding_with_a_note(client, office):
    login(client, office["supervisor"])
    notice_page = f"/notices/{office['notice']}"
    html = page(client, notice_page)
    assert f'action="/findings/{office["late"]}/escalate"' in html
    assert f'action="/findings/{office["waiting"]}/escalate"' not in html  # not overdue
    assert "按规则下一级：督办" in html

    late = f"/findings/{office['late']}/escalate"
    response = post(client, late, {"back": "notice", "note": ""}, notice_page)
    assert "请填写处理意见" in response.get_data(as_text=True)
    response = post(client, late, {"back": "notice", "note": "电话督促后仍未清理"}, notice_page)
    assert response.request.path == notice_page and "已督办" in response.get_data(as_text=True)
    assert "电话督促后仍未清理" in response.get_data(as_text=True)
    waiting = f"/findings/{office['waiting']}/escalate"
    response = post(client, waiting, {"back": "notice", "note": "x"}, notice_page)
    assert "不能「升级督办」" in response.get_data(as_text=True)

    # From the estate page (the fields sit in the issue form and point at their own form).
    estate_page = f"/estates/{office['estate']}"
    assert f'id="esc-{office["late"]}"' in page(client, estate_page)
    response = post(client, late, {"back": "estate", "kind": "interview", "note": "约谈项目经理"},
                    estate_page)
    assert response.request.path == estate_page and "已约谈" in response.get_data(as_text=True)
    kinds = db.session.scalars(sa.select(Escalation.kind).order_by(Escalation.credit_points))
    assert list(kinds) == [EscalationKind.URGE, EscalationKind.INTERVIEW]
    assert db.session.get(Finding, uuid.UUID(office["late"])).escalation_step == 2


def test_escalating_is_for_the_regions_supervisors(client, office):
    late = f"/findings/{office['late']}/escalate"
    for who, status in (("inspector", 403), ("company", 403), ("far_supervisor", 404)):
        login(client, office[who])
        token = token_from(client, "/inbox")
        assert client.post(late, data={"csrf_token": token, "note": "x"}).status_code == status
        client.post("/logout", data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Escalation)) == 0


# -- 撤销整改通知书 ------------------------------------------------------------------------------

def test_supervisor_cancels_a_notice_and_everyone_sees_it_cancelled(client, office):
    login(client, office["supervisor"])
    notice_page = f"/notices/{office['notice']}"
    cancel = f"/notices/{office['notice']}/cancel"
    assert "撤销整改通知书" in page(client, notice_page)
    assert client.post(cancel, data={"reason": "x"}).status_code == 400
    response = post(client, cancel, {"reason": "  "}, notice_page)
    assert "请填写撤销理由" in response.get_data(as_text=True)
    assert db.session.get(Notice, uuid.UUID(office["notice"])).status == NoticeStatus.ISSUED

    html = post(client, cancel, {"reason": "企业名称有误，重新下发"}, notice_page).get_data(as_text=True)
    assert "已撤销整改通知书" in html and "企业名称有误，重新下发" in html
    assert 'action="/notices/' + office["notice"] + '/cancel"' not in html  # nothing left to cancel
    assert f'action="/findings/{office["late"]}/escalate"' not in html
    db.session.expire_all()
    assert db.session.get(Notice, uuid.UUID(office["notice"])).status == NoticeStatus.CANCELLED
    assert {f.status for f in db.session.scalars(sa.select(Finding))} == {FindingStatus.OPEN}
    assert "已撤销" in page(client, "/notices")
    # Back on the estate's open ledger, ready for a new notice.
    assert f'name="finding_id" value="{office["late"]}"' in page(client, f"/estates/{office['estate']}")
    again = post(client, cancel, {"reason": "再撤一次"}, notice_page)
    assert "已撤销 (already cancelled)" in again.get_data(as_text=True)

    pdf = client.get(f"{notice_page}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).replace(" ", "")
    assert "已撤销" in text and "企业名称有误" in text and "消防通道占用" in text

    client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
    login(client, office["company"])
    assert "已撤销" in page(client, "/company/notices")
    html = page(client, notice_page)
    assert "本通知书已撤销" in html and "/report" not in html
    assert client.get(f"/company/findings/{office['late']}/report").status_code == 404


def test_cancelling_is_for_the_regions_supervisors(client, office):
    cancel = f"/notices/{office['notice']}/cancel"
    for who, status in (("inspector", 403), ("company", 403), ("far_supervisor", 404)):
        login(client, office[who])
        token = token_from(client, "/inbox")
        assert client.post(cancel, data={"csrf_token": token, "reason": "x"}).status_code == status
        client.post("/logout", data={"csrf_token": token})
    assert db.session.get(Notice, uuid.UUID(office["notice"])).status == NoticeStatus.ISSUED


# -- in a real browser: the form wiring the test client cannot see -------------------------------


@needs_chromium
def test_the_forms_work_in_a_browser(live_server, office, tmp_path):  # noqa: F811
    """The estate page's escalation fields sit inside the issue form and reach their own form
    through form="…"; the cancel form asks for confirmation. Screenshots: XUNCHA_SCREENSHOTS."""
    from playwright.sync_api import sync_playwright


    base, shots = live_server.url, tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            log_in(page, base, office["supervisor"])
            page.goto(f"{base}/estates/{office['estate']}")
            card = page.locator(f"#f-{office['late']}")
            card.locator("summary").click()
            card.locator("input[name=note]").fill("电话督促后仍未清理")
            card.locator("button:has-text('升级')").click()
            page.wait_for_selector("text=已督办")
            page.screenshot(path=str(shots / "estate_escalated.png"), full_page=True)

            page.goto(f"{base}/revisits")
            page.select_option("form[action$='/assign'] select", office["second_id"])
            page.click("text=改派 Reassign")
            page.wait_for_selector("text=已改派给")
            page.screenshot(path=str(shots / "revisits.png"), full_page=True)

            page.context.clear_cookies()  # the calendar is office-wide: its keeper logs in
            log_in(page, base, office["chief"])
            page.goto(f"{base}/calendar?year=2026")
            page.fill("input[name=day]", "2026-03-04")
            page.fill("input[name=name]", "台风停工")
            page.click("text=保存 Save")
            page.wait_for_selector("text=已设置 2026-03-04 为休息日")
            page.screenshot(path=str(shots / "calendar.png"), full_page=True)

            page.goto(f"{base}/notices/{office['notice']}")
            page.click("text=撤销整改通知书 Cancel this notice")
            page.fill("textarea[name=reason]", "企业名称有误，重新下发")
            page.click("button:has-text('撤销 Cancel notice')")
            page.wait_for_selector("text=已撤销整改通知书")
            page.screenshot(path=str(shots / "notice_cancelled.png"), full_page=True)
        finally:
            browser.close()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Escalation)) == 1
    assert db.session.get(Notice, uuid.UUID(office["notice"])).status == NoticeStatus.CANCELLED
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        shutil.copytree(shots, Path(keep), dirs_exist_ok=True)
