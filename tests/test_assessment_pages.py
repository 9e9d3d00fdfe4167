"""The office's assessment pages: rules edited, refused with the field named (the text kept),
imported, published; a period recorded and published; penalties entered; and one run in
headless Chromium over the rules page and the red and black list (screenshots kept in the
test's folder, and in XUNCHA_SCREENSHOTS when set)."""

from __future__ import annotations

import io
import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from server.domain.assessment import rules as assessment_rules
from server.domain.models import AssessmentRun, CreditRecord, Role, RuleSet
from server.extensions import db
from tests import factories
from tests.browser_support import CHROMIUM, FLAGS, log_in
from tests.mobile_helpers import live_server  # noqa: F401
from tests.web_support import login, token_from


@pytest.fixture
def office_world(app):
    with app.app_context():
        world = factories.assessment_world()
        admin = factories.user(world["office"], Role.ADMIN, display_name="考核管理员")
        district = factories.user(world["office"], Role.SUPERVISOR, region_id=world["tree"]["district"].id)
        out = {"office_id": world["office"].id, "admin": admin.username, "district": district.username,
               "company_id": str(world["companies"]["C2"].id)}
        db.session.commit()
    return out


def _post(client, path: str, form_page: str, **data):
    return client.post(path, data={"csrf_token": token_from(client, form_page), **data})


def test_rules_are_checked_saved_published_and_exported(app, client, office_world):
    login(client, office_world["admin"])
    page = client.get("/assessment/rules")
    assert page.status_code == 200 and "尚未发布任何版本" in page.get_data(as_text=True)
    bad = _post(client, "/assessment/rules/draft", "/assessment/rules",
                rules='{"format": "xuncha.assessment-rules"')
    assert bad.status_code == 400 and "不是有效的 JSON" in bad.get_data(as_text=True)
    assert "{&#34;format&#34;: &#34;xuncha.assessment-rules&#34;" in bad.get_data(as_text=True)  # text kept
    wrong = assessment_rules.template_rules()
    wrong["credit"]["base"] = "高"
    refused = _post(client, "/assessment/rules/draft", "/assessment/rules", rules=json.dumps(wrong))
    assert refused.status_code == 400 and "credit.base 应为数字" in refused.get_data(as_text=True)

    rules = assessment_rules.template_rules()
    rules["lists"]["n"] = 3
    upload = {"file": (io.BytesIO(json.dumps(rules).encode()), "细则.json")}
    upload["csrf_token"] = token_from(client, "/assessment/rules")
    imported = client.post("/assessment/rules/import", data=upload, content_type="multipart/form-data")
    assert imported.status_code == 302
    published = _post(client, "/assessment/rules/publish", "/assessment/rules", effective_from="2026-10-01")
    assert published.status_code == 302
    with app.app_context():
        row = db.session.query(RuleSet).one()
        assert (row.version, row.status, row.effective_from, row.rules["lists"]["n"]) == (
            1, "published", date(2026, 10, 1), 3)
        rule_set_id = row.id
    exported = client.get(f"/assessment/rules/{rule_set_id}.json")
    assert json.loads(exported.data)["lists"]["n"] == 3
    assert json.loads(client.get("/assessment/rules/template.json").data) == assessment_rules.template_rules()


def test_a_district_supervisor_reads_but_does_not_change_rules(client, office_world):
    login(client, office_world["district"])
    assert client.get("/assessment/rules").status_code == 200
    rules = json.dumps(assessment_rules.template_rules())
    assert _post(client, "/assessment/rules/draft", "/assessment/rules", rules=rules).status_code == 403


def test_scores_runs_publication_and_credit_records(app, client, office_world):
    with app.app_context():
        factories.publish_rules(db.session.get(factories.Office, office_world["office_id"]),
                                effective_from=date(2026, 10, 1))
        db.session.commit()
    login(client, office_world["admin"])
    scores = client.get("/assessment?period=2026-10").get_data(as_text=True)
    assert "金色华府" in scores and "97.00" in scores and "95.30" in scores and "检查得分 96.00 分" in scores
    assert "2026年10月" in client.get("/assessment/red-black?period=2026-10").get_data(as_text=True)
    assert "★★★★★" in client.get("/assessment/stars?period=2026-10").get_data(as_text=True)
    # A period still running cannot be published; October can.
    early = _post(client, "/assessment/runs", "/assessment/red-black", period="2099-01", publish="1",
                  back="lists")
    assert early.status_code == 302
    recorded = _post(client, "/assessment/runs", "/assessment/red-black", period="2026-10", publish="1",
                     back="lists")
    assert recorded.status_code == 302
    assert client.get(f"/public/assessment/{office_world['office_id']}/2026-10").status_code == 200
    refused = _post(client, "/assessment/runs", "/assessment/red-black", period="十月", back="lists")
    assert refused.status_code == 302
    with app.app_context():
        assert db.session.query(AssessmentRun).count() == 1

    bad = _post(client, "/assessment/credit-records", "/assessment/credit-records",
                company_id=office_world["company_id"], kind="penalty",
                occurred_on="2026-13-01", title="通报批评")
    assert bad.status_code == 302 and "title=" in bad.headers["Location"]  # back with what was typed
    follow = client.get(bad.headers["Location"]).get_data(as_text=True)
    assert "日期格式应为" in follow and 'value="通报批评"' in follow
    good = _post(client, "/assessment/credit-records", "/assessment/credit-records",
                 company_id=office_world["company_id"], kind="commendation", occurred_on="2026-10-30",
                 title="创建示范项目", points="3")
    assert good.status_code == 302
    with app.app_context():
        record = db.session.query(CreditRecord).filter_by(title="创建示范项目").one()
        assert record.points == 3
    assert "85.20" in client.get("/assessment?period=2026-10").get_data(as_text=True)  # 82.20 + 3


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_rules_page_and_red_black_list_in_a_browser(app, live_server, office_world, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    with app.app_context():
        factories.publish_rules(db.session.get(factories.Office, office_world["office_id"]),
                                effective_from=date(2026, 10, 1))
        db.session.commit()
    shots = tmp_path / "shots"
    shots.mkdir()
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            log_in(page, base, office_world["admin"])
            page.goto(f"{base}/assessment/rules")
            page.fill("textarea[name=rules]", '{"format": "xuncha.assessment-rules", "format_version": 1}')
            page.click("text=检查并保存草稿")
            assert "缺少 estate 部分" in page.inner_text(".flash.error")
            page.screenshot(path=str(shots / "assessment-rules.png"), full_page=True)
            page.goto(f"{base}/assessment/red-black?period=2026-10")
            page.check("input[name=publish]")
            page.click("text=计算并记录")
            page.wait_for_selector("text=已按第 1 版计算并记录")
            tables = page.inner_text("main")
            assert "老街小区" in tables and "红旗物业服务有限公司" in tables
            page.screenshot(path=str(shots / "assessment-red-black.png"), full_page=True)
            page.goto(f"{base}/assessment?period=2026-10")
            page.click("details >> nth=0")
            page.screenshot(path=str(shots / "assessment-scores.png"), full_page=True)
            public = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            public.goto(f"{base}/public/assessment/{office_world['office_id']}/2026-10")
            assert "黑榜 · 企业" in public.inner_text("main")
            public.screenshot(path=str(shots / "public-red-black.png"), full_page=True)
            public.goto(f"{base}/public/assessment/{office_world['office_id']}/2026-10/stars")
            public.screenshot(path=str(shots / "public-stars.png"), full_page=True)
        finally:
            browser.close()
    keep = os.environ.get("XUNCHA_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in shots.iterdir():
            shutil.copy(shot, Path(keep) / shot.name)
