"""Every answer carries the security headers, pages, API, errors and files alike; the pages
still work under the Content-Security-Policy in a real browser (no inline script or style)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from server.domain.models import Role
from server.extensions import db
from server.security_headers import SECURITY_HEADERS
from tests import factories as make
from tests.factories import PASSWORD
from tests.mobile_helpers import live_server  # noqa: F401
from tests.sync_client import HEADERS, pair
from tests.test_web_browser import CHROMIUM, FLAGS
from tests.web_support import login

TEMPLATES = Path(__file__).resolve().parent.parent / "server" / "web" / "templates"


@pytest.fixture
def office(app):
    with app.app_context():
        office = make.office()
        tree = make.region_tree(office)
        make.estate(tree["community"], make.company(office))
        admin = make.user(office, Role.ADMIN, region_id=tree["city"].id)
        inspector = make.user(office, Role.INSPECTOR, region_id=tree["district"].id)
        db.session.commit()
        return {"admin": admin.username, "inspector": inspector.username}


def assert_protected(reply) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert reply.headers.get(name) == value, (name, reply.request.path)
    reply.close()  # file answers hold their file open until closed


def test_every_kind_of_answer_carries_the_headers(app, client, office):
    tablet = pair(app.test_client(), office["inspector"], PASSWORD)
    answers = [client.get("/login"), client.get("/estates"), client.get("/no-such-page"),
               client.get("/static/web/web.css"), client.get("/api/v1/health"),
               client.get("/api/v1/sync/pull", headers=HEADERS),  # 401 JSON
               client.get("/api/v1/sync/pull", headers=tablet.headers),
               client.post("/api/v1/devices/pair", headers=HEADERS, json={"nonsense": 1})]
    login(client, office["admin"])
    answers += [client.get("/estates"), client.get("/devices"), client.get("/ledger/template")]
    for reply in answers:
        assert_protected(reply)
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]


def test_no_template_has_inline_script_style_or_handlers():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    offenders = [f"{path.name}: {match.group(0)}" for path in TEMPLATES.rglob("*.html")
                 for match in inline.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_pages_work_under_the_policy_in_chromium(app, live_server, office, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    tablet = pair(app.test_client(), office["inspector"], PASSWORD, "测试平板")
    violations: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
            page.goto(f"{live_server.url}/login")
            page.fill("input[name=username]", office["admin"])
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            for path in ("/estates", "/ledger", "/calendar", "/inbox", "/devices"):
                page.goto(live_server.url + path)
                page.wait_for_load_state("load")
            assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""  # the stylesheet loaded
            page.screenshot(path=str(tmp_path / "devices.png"), full_page=True)

            def answer(dialog):
                dialogs.append(dialog.message)
                dialog.accept()

            page.on("dialog", answer)
            page.click("form[data-confirm] button")
            page.wait_for_selector("text=已注销")
        finally:
            browser.close()
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        shutil.copy(tmp_path / "devices.png", Path(keep) / "security_devices.png")
    assert violations == []
    assert dialogs and "注销" in dialogs[0]  # the confirm moved out of the inline handler still asks
    assert app.test_client().get("/api/v1/sync/pull", headers=tablet.headers).status_code == 403
