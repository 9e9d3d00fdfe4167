"""The dashboard in Debian's headless Chromium: a supervisor reads the overview's figures
(checked against the database), filters and searches the ledger, issues notices in bulk and
exports the ledger (the XLSX compared with the page). Screenshots at a desk-size viewport and
in print media go to the test's folder (XUNCHA_SCREENSHOTS=dir keeps copies)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from server.domain.dashboard.scope import OWES_FIX
from server.domain.models import Finding, FindingStatus, Notice
from server.extensions import db
from tests.browser_support import CHROMIUM, FLAGS, log_in, needs_chromium
from tests.dashboard_city import NOW, build_city
from tests.mobile_helpers import live_server  # noqa: F401

pytestmark = needs_chromium


def _figure(page, label: str) -> str:
    return page.inner_text(f".figure:has-text('{label}') strong")


def test_supervisor_reads_the_overview_works_the_ledger_and_exports_it(
        live_server, app, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        city = build_city()
    shots = tmp_path / "shots"
    shots.mkdir()
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                       accept_downloads=True).new_page()
            log_in(page, base, city["supervisor"])
            page.wait_for_selector("h1:has-text('总览')")
            with app.app_context():
                in_district = Finding.region_code.startswith(city["district_code"])
                open_count = db.session.scalar(sa.select(sa.func.count()).where(
                    in_district, Finding.status != FindingStatus.CLOSED))
                # 逾期: a fix still owed (no report from the company yet) and the deadline passed.
                overdue_count = db.session.scalar(sa.select(sa.func.count()).where(
                    in_district, Finding.status.in_(OWES_FIX), Finding.due_at < NOW))
            assert int(_figure(page, "未销号 Open")) == open_count
            assert int(_figure(page, "逾期 Overdue")) == overdue_count
            assert _figure(page, "逾期 Overdue") == "2" and _figure(page, "整改率") == "28.6%"
            assert page.locator("svg.chart").count() == 3
            page.screenshot(path=str(shots / "overview.png"), full_page=True)
            page.emulate_media(media="print")
            page.screenshot(path=str(shots / "overview_print.png"), full_page=True)
            page.emulate_media(media="screen")

            page.click("nav >> text=问题台账")
            page.fill("input[name=q]", "yghy")
            page.select_option("select[name=status]", "unclosed")
            page.click("button:has-text('筛选')")
            page.wait_for_url(f"{base}/problems?status=unclosed&q=yghy")  # empty fields dropped
            rows = page.locator("table.ledger tbody tr")
            assert rows.count() == 4 and "逾期 30 天" in page.inner_text("table.ledger")
            page.screenshot(path=str(shots / "ledger.png"), full_page=True)

            with page.expect_download() as download:
                page.click("text=导出 Excel")
            download.value.save_as(tmp_path / "ledger.xlsx")
            sheet = load_workbook(tmp_path / "ledger.xlsx").active
            exported = [r[-1] for r in sheet.iter_rows(min_row=2, values_only=True)]
            on_page = page.eval_on_selector_all("input[name=finding_id]", "els => els.map(e => e.value)")
            assert exported == on_page

            page.goto(f"{base}/problems?status=unclosed&q=%E7%BF%A0%E6%B9%96")  # 翠湖: the lake estate
            page.check("input[name=finding_id]")
            page.click("button:has-text('下发整改通知书')")
            page.wait_for_selector(".flash.ok")
            assert "已下发 1 份整改通知书" in page.inner_text(".flash.ok")
            page.screenshot(path=str(shots / "ledger_after_bulk.png"), full_page=True)

            # The notices list now holds the new notice; an estate opens from its list, and its
            # inspection (92 of 100) from the estate page.
            page.click("nav >> text=整改通知书")
            assert page.locator("table.ledger tbody tr").count() == 1
            assert "翠湖雅苑" in page.inner_text("table.ledger")
            page.goto(f"{base}/estates?q=yghy")
            page.click("table.ledger >> text=阳光花园")
            page.wait_for_selector("h2:has-text('检查记录与得分')")
            assert "修改记录" in page.inner_text("main")
            page.click(".estate-inspections tbody a")
            page.wait_for_url(f"{base}/inspections/{city['inspection']}")
            assert "92" in page.inner_text("main") and "李检查" in page.inner_text("main")
            page.screenshot(path=str(shots / "inspection.png"), full_page=True)
        finally:
            browser.close()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 1
    for name in ("overview.png", "overview_print.png", "ledger.png", "ledger_after_bulk.png"):
        assert (shots / name).stat().st_size > 10_000
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        shutil.copytree(shots, Path(keep), dirs_exist_ok=True)
