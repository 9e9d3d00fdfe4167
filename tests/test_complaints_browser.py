"""In Debian's headless Chromium a supervisor files a complaint, sends it to a tablet, draws a
double-random plan, re-draws it to verify, confirms and publishes it; the public page is then read
logged out. Screenshots go to the test's folder (XUNCHA_SCREENSHOTS=dir keeps copies)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from server.domain.models import Complaint, ComplaintStatus, InspectionPlan, PlanStatus
from server.extensions import db
from tests import factories
from tests.browser_support import CHROMIUM, FLAGS, log_in, needs_chromium
from tests.mobile_helpers import live_server  # noqa: F401

pytestmark = needs_chromium
NOW = datetime(2026, 11, 20, 2, 0)


def test_supervisor_files_a_complaint_and_draws_a_plan(live_server, app, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        world = factories.plans_world()
        boss, estate = world["supervisor"].username, world["estates"][0].name
        secrets = [u.display_name for u in world["inspectors"]] + [u.phone for u in world["inspectors"]]
        db.session.commit()
    shots = tmp_path / "shots"
    shots.mkdir()
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            log_in(page, base, boss)
            page.wait_for_selector("nav")

            page.click("nav >> text=投诉")
            page.click("text=登记投诉")
            page.select_option("select[name=channel]", "hotline_12345")
            page.fill("input[name=reference]", "12345-1120-007")
            page.select_option("select[name=estate_id]", label=estate)
            page.fill("input[name=received_at]", "2026-11-10T09:30")
            page.fill("textarea[name=text]", "5栋楼道有人给电动车飞线充电，存在火灾隐患")
            page.fill("input[name=complainant_name]", "郑先生")
            page.fill("input[name=complainant_phone]", "13987654321")
            page.screenshot(path=str(shots / "complaint_new.png"), full_page=True)
            page.click("button:has-text('登记')")
            page.wait_for_selector("text=投诉已登记")
            assert "已超期" in page.inner_text("main")  # due 17 November, today is the 20th
            page.check("input[name=inspector_id] >> nth=0")
            page.click("button:has-text('派发')")
            page.wait_for_selector("text=核查任务已派发到平板")
            page.fill("textarea[name=reply]", "已派员核查，责令物业拆除飞线")
            page.click("form:has(textarea[name=reply]) button")
            page.wait_for_selector("text=已答复 (replied)")
            page.screenshot(path=str(shots / "complaint.png"), full_page=True)
            page.goto(f"{base}/complaints")
            assert "超期答复" in page.inner_text("table.grid")  # replied, but after the deadline
            page.screenshot(path=str(shots / "complaints.png"), full_page=True)
            page.goto(f"{base}/complaints/import")
            page.screenshot(path=str(shots / "complaint_import.png"), full_page=True)

            page.click("nav >> text=双随机")
            page.click("text=抽取新计划")
            page.fill("input[name=title]", "2026年11月双随机抽查")
            page.fill("input[name=estate_count]", "5")
            page.fill("input[name=planned_for]", "2026-11-25")
            page.fill("input[name=seed]", "20261120")
            page.screenshot(path=str(shots / "plan_new.png"), full_page=True)
            page.click("button:has-text('抽取')")
            page.wait_for_selector("text=已抽取")
            page.click("text=按种子重抽核验")
            page.wait_for_selector("text=重抽结果与记录一致")
            page.click("button:has-text('确认并下发任务')")
            page.wait_for_selector("text=检查任务已下发到平板")
            page.click("button:has-text('公开结果')")
            page.wait_for_selector("text=结果已公开")
            page.screenshot(path=str(shots / "plan.png"), full_page=True)
            page.goto(f"{base}/plans")
            page.screenshot(path=str(shots / "plans.png"), full_page=True)
            page.goto(f"{base}/plans/recusals")
            page.screenshot(path=str(shots / "recusals.png"), full_page=True)

            public = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            public.goto(f"{base}/public/plans")
            public.click("text=2026年11月双随机抽查")
            text = public.inner_text("body")
            assert "20261120" in text and public.locator("table.grid tbody tr").count() == 5
            assert not any(secret in text for secret in secrets) and "郑先生" not in text
            public.screenshot(path=str(shots / "public_plan.png"), full_page=True)
        finally:
            browser.close()
    with app.app_context():
        complaint = db.session.scalar(sa.select(Complaint))
        assert complaint.status == ComplaintStatus.REPLIED and complaint.inspection_id is not None
        plan = db.session.scalar(sa.select(InspectionPlan))
        assert plan.status == PlanStatus.CONFIRMED and plan.published and plan.seed == "20261120"
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        shutil.copytree(shots, Path(keep), dirs_exist_ok=True)
