"""One end-to-end run in a real browser (Debian's headless Chromium driven by Playwright):
a supervisor issues a notice on the estate page; the company reads it on a phone-sized screen.
Screenshots are kept in the test's temporary folder (XUNCHA_SCREENSHOTS=dir keeps copies)."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from server.domain.models import PhotoLink, PhotoRole, Role
from server.domain.photos import PhotoLimits, add_photo
from server.extensions import db
from server.storage import get_photo_store
from tests import factories
from tests.browser_support import CHROMIUM, FLAGS, log_in, needs_chromium
from tests.mobile_helpers import live_server  # noqa: F401

pytestmark = needs_chromium


@pytest.fixture
def estate_with_findings(app):
    with app.app_context():
        office = factories.office(name="测试市住房和城乡建设局")
        tree = factories.region_tree(office)
        company = factories.company(office, name="阳光物业服务有限公司")
        estate = factories.estate(tree["community"], company, name="阳光花园")
        supervisor = factories.user(office, Role.SUPERVISOR, region_id=tree["district"].id)
        company_user = factories.user(office, Role.COMPANY, company_id=company.id)
        store, limits = get_photo_store(app), PhotoLimits.from_config(app.config)
        for n, (category, text) in enumerate([("飞线充电", "5栋楼道私拉电线给电动车充电"),
                                              ("消防通道占用", "东门消防通道停放私家车")]):
            finding = factories.finding(estate, category=category, description=text,
                                        found_at=datetime(2026, 3, 2))
            photo = add_photo(store, factories.jpeg_bytes(seed=n), limits, supervisor)
            db.session.add(PhotoLink(photo_sha256=photo.sha256, role=PhotoRole.EVIDENCE,
                                     finding_id=finding.id, region_code=finding.region_code))
        out = {"estate": str(estate.id), "supervisor": supervisor.username, "company": company_user.username}
        db.session.commit()
    return out


def test_supervisor_issues_a_notice_and_the_company_reads_it_on_a_phone(
        live_server, estate_with_findings, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    base = live_server.url
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page = desk.new_page()
            log_in(page, base, estate_with_findings["supervisor"])
            page.goto(f"{base}/estates/{estate_with_findings['estate']}")
            _all_images_shown(page)
            for box in page.query_selector_all("input[name=finding_id]"):
                box.check()
            page.screenshot(path=str(shots / "estate.png"), full_page=True)
            page.click("text=下发整改通知书 Issue notice")
            page.wait_for_selector("h1:has-text('整改通知书 〔')")
            label = page.inner_text("h1").removeprefix("整改通知书 ").strip()
            assert label.endswith("第0001号")
            page.screenshot(path=str(shots / "notice.png"), full_page=True)

            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                        is_mobile=True, has_touch=True, locale="zh-CN")
            mobile = phone.new_page()
            log_in(mobile, base, estate_with_findings["company"])
            mobile.wait_for_selector(f"text={label}")
            mobile.click(f"text={label}")
            mobile.wait_for_selector("text=报告已整改")
            assert mobile.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
            mobile.screenshot(path=str(shots / "company_phone.png"), full_page=True)
        finally:
            browser.close()
    for name in ("estate.png", "notice.png", "company_phone.png"):
        assert (shots / name).stat().st_size > 10_000
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        shutil.copytree(shots, Path(keep), dirs_exist_ok=True)


def _all_images_shown(page) -> None:
    """Every photo on the page loads and is a real image. The photos load lazily, so the page is
    scrolled through; polled from Python because the CSP forbids the eval wait_for_function uses."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    check = "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
    for _ in range(200):
        if page.evaluate(check):
            break
        page.wait_for_timeout(50)
    assert page.evaluate(check), "a photo on the page did not load"
    page.evaluate("window.scrollTo(0, 0)")
