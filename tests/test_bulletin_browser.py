"""The bulletin in Debian's headless Chromium: a supervisor chooses November 2026, reads the
figures, follows one to its rows and on to the problem ledger, and downloads the PDF.
Screenshots go to the test's folder (XUNCHA_SCREENSHOTS=dir keeps copies)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime

from tests import bulletin_city as city
from tests.browser_support import CHROMIUM, FLAGS, log_in, needs_chromium
from tests.mobile_helpers import live_server  # noqa: F401

pytestmark = needs_chromium
NOW = datetime(2026, 12, 2, 2, 0)


def test_supervisor_opens_the_monthly_bulletin_and_follows_a_figure_to_its_rows(
        live_server, app, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        world = city.build_city()
    shots = tmp_path / "shots"
    shots.mkdir()
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                       accept_downloads=True).new_page()
            log_in(page, base, world["supervisor"])
            page.click("nav >> text=统计通报")
            page.wait_for_selector("h1:has-text('统计通报')")
            page.screenshot(path=str(shots / "bulletins.png"), full_page=True)
            assert page.input_value("input[name=period]") == "2026-11"  # last month by default
            page.check("input[name=kind][value=month]")
            page.click("button:has-text('生成通报')")
            page.wait_for_url(f"{base}/bulletins/2026-11")
            assert "2026年11月物业监管月通报" in page.inner_text("h1")
            assert page.locator("svg.chart").count() == 2
            main = page.locator("#t-main")
            assert main.locator("a[data-figure=findings_found]").first.inner_text() == "6"
            rate_row = main.locator("tr", has=page.locator("th", has_text="整改率")).first
            assert rate_row.inner_text().split() == ["整改率", "50.0%", "50.0%", "50.0%"]
            page.screenshot(path=str(shots / "bulletin.png"), full_page=True)

            page.locator("#t-main a[data-figure=findings_found]").first.click()
            page.wait_for_selector("#figure-total")
            assert page.inner_text("#figure-total") == "6"
            assert page.locator("#figure-rows tbody tr").count() == 6
            page.screenshot(path=str(shots / "rows.png"), full_page=True)
            page.click("text=在问题台账中查看")
            page.wait_for_url(f"{base}/problems?**")
            assert page.locator("input[name=finding_id]").count() == 6

            page.go_back()
            page.go_back()
            with page.expect_download() as download:
                page.click("text=下载 PDF")
            assert download.value.suggested_filename.endswith("2026-11.pdf")
            download.value.save_as(tmp_path / "bulletin.pdf")
            assert (tmp_path / "bulletin.pdf").read_bytes()[:4] == b"%PDF"
        finally:
            browser.close()
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        for shot in shots.iterdir():
            shutil.copy(shot, os.path.join(keep, f"bulletin_{shot.name}"))
