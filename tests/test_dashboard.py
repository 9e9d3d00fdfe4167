"""The supervisors' dashboard over HTTP: the overview's figures, the problem ledger's filters,
search, keyset pages and bulk actions, and the ledger exported as XLSX."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.domain.models import AuditEntry, Estate, Finding, FindingStatus, Notice, Revisit
from server.domain.problem_ledger import PAGE_SIZE
from server.extensions import db
from tests.dashboard_city import NOW, ago, build_city
from tests.web_support import login, token_from

S = FindingStatus


@pytest.fixture
def city(app):
    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        return build_city()


def _figure(html: str, label: str) -> str:
    match = re.search(r"<strong>([^<]+)</strong><span>" + re.escape(label), html)
    assert match, f"no figure {label}"
    return match.group(1)


def _ledger_ids(html: str) -> list[str]:
    return re.findall(r'name="finding_id" value="([0-9a-f-]{36})"', html)


def test_office_staff_land_on_the_overview_and_its_figures_match_the_database(client, city, app):
    response = login(client, city["supervisor"])
    assert response.headers["Location"] == "/overview"
    html = client.get("/overview").get_data(as_text=True)
    with app.app_context():
        district = Finding.region_code.startswith(city["district_code"])
        count = lambda *where: db.session.scalar(sa.select(sa.func.count()).where(district, *where))  # noqa: E731
        assert int(_figure(html, "未销号 Open")) == count(Finding.status != S.CLOSED) == 5
        assert int(_figure(html, "逾期 Overdue")) == count(
            Finding.status.in_([S.NOTIFIED, S.OVERDUE, S.ESCALATED, S.REOPENED]), Finding.due_at < NOW) == 2
        assert int(_figure(html, "已升级督办 Escalated")) == 1
        assert int(_figure(html, "本月销号 Closed this month")) == 2
    assert _figure(html, "整改率 Rectification rate") == "28.6%"  # 2 of this year's 7
    assert _figure(html, "按期整改率 On-time rate") == "50.0%"  # one of the two closed in time
    assert _figure(html, "本月完成检查 Inspections this month") == "1"
    assert "远方的问题" not in html
    # Charts are SVG drawn here, each with a link to its numbers, and the numbers are on the page.
    assert html.count('<svg class="chart"') == 3 and 'href="#t-categories"' in html
    assert re.search(r'<td><a href="[^"]*category=%E9%A3%9E[^"]*">飞线充电</a></td><td class="num">2</td>'
                     r'<td class="num">1</td>', html)
    assert "逾期 30 天" in html  # the oldest overdue problem, marked with how late
    # This week (from Monday 16 March, China time): two found, two closed; twelve weeks listed.
    assert re.search(r'<td>2026-03-16</td><td class="num">2</td><td class="num">2</td>', html)
    assert html.count("<td>2026-") >= 12
    assert re.search(r'第二街道</a></td><td class="num">1</td><td class="num">0</td>', html)


def test_the_ledger_filters_searches_and_marks_lateness(client, city):
    login(client, city["supervisor"])
    f = city["findings"]

    def ids(**args) -> set[str]:
        response = client.get("/problems", query_string=args)
        assert response.status_code == 200
        return set(_ledger_ids(response.get_data(as_text=True)))

    mine = {k for k in f if k != "far"}
    assert ids() == {f[k] for k in mine}
    assert ids(overdue="1") == {f["overdue"], f["escalated"]}
    assert ids(status="unclosed") == {f[k] for k in ("open", "overdue", "escalated", "notified", "lake")}
    assert ids(status="closed", closed_from="2026-03-01") == {f["closed"], f["closed_late"]}
    assert ids(category="飞线充电") == {f["overdue"], f["lake"]}
    assert ids(severity="severe") == {f["escalated"]}
    assert ids(company=city["lake"]) == {f["lake"]}
    assert ids(estate=city["estates"][1]) == {f["lake"]}
    assert ids(region=city["street2_code"]) == {f["lake"]}
    assert ids(inspector=city["inspector_id"]) == {f[k] for k in mine if k != "lake"}
    assert ids(found_from="2026-03-15", found_to="2026-03-17") == {f["open"], f["notified"], f["lake"]}
    # Chinese substrings of the estate, the location, the description; pinyin initials.
    assert ids(q="翠湖") == {f["lake"]}
    assert ids(q="12栋") == {f["open"]}
    assert ids(q="私拉电线") == {f["overdue"]}
    assert ids(q="chyy") == ids(q="CH") == {f["lake"]}
    assert ids(q="yghy") == {f[k] for k in mine if k != "lake"}
    assert ids(q="远方") == set()  # another district's estate is not in my ledger at all
    page = client.get("/problems", query_string={"overdue": "1", "sort": "due"}).get_data(as_text=True)
    assert page.index(f["escalated"]) < page.index(f["overdue"])
    assert "逾期 30 天" in page and "逾期 5 天" in page


def test_a_malformed_filter_is_refused_with_a_message_not_a_500(client, city):
    login(client, city["supervisor"])
    for args, words in [({"found_from": "3月1日"}, "发现日期起"), ({"severity": "huge"}, "严重程度"),
                        ({"estate": "not-a-uuid"}, "小区"), ({"after": "%%%"}, "翻页位置"),
                        ({"sort": "price"}, "排序"), ({"region": "abc"}, "区域"),
                        ({"q": "长" * 60}, "搜索词")]:
        response = client.get("/problems", query_string=args)
        assert response.status_code == 400, args
        assert words in response.get_data(as_text=True)
        assert client.get("/problems/export.xlsx", query_string=args).status_code == 400


def test_keyset_pages_walk_the_whole_ledger_once(client, city, app):
    with app.app_context():
        estate = db.session.get(Estate, uuid.UUID(city["estates"][1]))
        from tests import factories

        for n in range(PAGE_SIZE + 7):
            factories.finding(estate, found_at=ago(50) + timedelta(minutes=n % 3), description=f"批量问题{n}")
        db.session.commit()
    login(client, city["supervisor"])
    seen, url, pages = [], "/problems?sort=found_asc", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += _ledger_ids(html)
        pages += 1
        nxt = re.search(r'href="([^"]+)" rel="next"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
        assert "sort=found_asc" in (url or "sort=found_asc")  # the filters ride along
    assert pages == 2 and len(seen) == len(set(seen)) == PAGE_SIZE + 7 + 7
    assert seen[0] != city["findings"]["open"] and seen[-1] == city["findings"]["lake"]  # oldest first


def test_bulk_issue_makes_one_notice_per_estate(client, city, app):
    login(client, city["supervisor"])
    f = city["findings"]
    token = token_from(client, "/problems")
    response = client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                                  "finding_id": [f["open"], f["lake"]],
                                                  "back": "status=unclosed"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/problems?status=unclosed")
    assert "已下发 2 份整改通知书" in client.get("/problems").get_data(as_text=True)
    with app.app_context():
        for key in ("open", "lake"):
            finding = db.session.get(Finding, uuid.UUID(f[key]))
            assert finding.status == S.NOTIFIED and finding.due_at is not None and finding.notice_id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 2


def test_a_refused_bulk_action_changes_nothing(client, city, app):
    login(client, city["supervisor"])
    f = city["findings"]
    token = token_from(client, "/problems")
    # An overdue finding cannot get a notice: the open one beside it stays open too.
    client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                        "finding_id": [f["open"], f["overdue"]]})
    assert "没有任何改动" in client.get("/problems").get_data(as_text=True)
    # Another district's finding is refused whatever the action.
    client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                        "finding_id": [f["far"]]})
    assert "不在您区域内" in client.get("/problems").get_data(as_text=True)
    client.post("/problems/bulk", data={"csrf_token": token, "action": "extend", "new_due_on": "2026-04-30",
                                        "reason": "", "finding_id": [f["overdue"]]})
    assert "请填写延期理由" in client.get("/problems").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Finding, uuid.UUID(f["open"])).status == S.OPEN
        assert db.session.get(Finding, uuid.UUID(f["overdue"])).status == S.OVERDUE
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 0


def test_bulk_extend_gives_a_later_deadline_with_its_reason(client, city, app):
    login(client, city["supervisor"])
    f = city["findings"]
    token = token_from(client, "/problems")
    client.post("/problems/bulk", data={"csrf_token": token, "action": "extend", "new_due_on": "2026-04-30",
                                        "reason": "施工队春节后进场",
                                        "finding_id": [f["overdue"], f["notified"]]})
    assert "已为 2 个问题延长整改期限至 2026-04-30" in client.get("/problems").get_data(as_text=True)
    with app.app_context():
        for key in ("overdue", "notified"):
            finding = db.session.get(Finding, uuid.UUID(f[key]))
            assert finding.status == S.NOTIFIED and finding.due_at > NOW + timedelta(days=40)
        reasons = db.session.scalars(
            sa.select(AuditEntry.changes).where(AuditEntry.action == "extend_deadline"))
        assert [c["note"] for c in reasons] == ["施工队春节后进场"] * 2
    assert f["overdue"] not in _ledger_ids(client.get("/problems?overdue=1").get_data(as_text=True))


def test_bulk_assign_revisit_hands_each_finding_to_the_inspector(client, city, app):
    login(client, city["supervisor"])
    f = city["findings"]
    token = token_from(client, "/problems")
    client.post("/problems/bulk", data={"csrf_token": token, "action": "assign_revisit",
                                        "inspector_id": city["inspector_id"], "finding_id": [f["overdue"]]})
    assert "已为 1 个问题安排回头看" in client.get("/problems").get_data(as_text=True)
    with app.app_context():
        revisit = db.session.scalar(sa.select(Revisit).where(Revisit.finding_id == uuid.UUID(f["overdue"])))
        assert str(revisit.inspector_id) == city["inspector_id"] and revisit.status.value == "pending"


def test_the_export_is_the_filtered_ledger_as_xlsx(client, city):
    login(client, city["supervisor"])
    response = client.get("/problems/export.xlsx", query_string={"status": "unclosed", "sort": "due"})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    data = response.data
    response.close()  # the server's temporary file goes with the response
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("小区 Estate", "物业企业 Company", "类别 Category")
    # The header row stays in view; widths are the columns' own (48 characters + Excel's padding).
    assert sheet.freeze_panes == "A2" and round(sheet.column_dimensions["E"].width) == 49
    page = client.get("/problems", query_string={"status": "unclosed", "sort": "due"}).get_data(as_text=True)
    assert [r[-1] for r in rows[1:]] == _ledger_ids(page)
    by_id = {r[-1]: r for r in rows[1:]}
    escalated = by_id[city["findings"]["escalated"]]
    assert escalated[0] == "阳光花园" and escalated[6] == "已升级督办" and escalated[9] == 30


def test_estate_names_keep_their_pinyin_initials(app_ctx, make):
    office = make.office()
    estate = make.estate(make.region_tree(office)["community"], name="阳光花园")
    assert estate.name_initials == "yghy"
    estate.name = "重庆锦绣家园"
    db.session.flush()
    assert db.session.scalar(sa.select(Estate.name_initials).where(Estate.id == estate.id)) == "cqjxjy"


def test_a_large_export_runs_in_the_background_with_progress_and_a_link(client, city, app, tmp_path):
    from server.jobs import run_once

    app.config.update(EXPORT_INLINE_MAX=3, EXPORT_DIR=str(tmp_path / "exports"))
    login(client, city["supervisor"])
    response = client.get("/problems/export.xlsx", query_string={"status": "unclosed"})
    assert response.status_code == 302 and "/exports/" in response.headers["Location"]
    job_page = response.headers["Location"]
    waiting = client.get(job_page).get_data(as_text=True)
    assert "排队中" in waiting and "0 / 5" in waiting and 'http-equiv="refresh"' in waiting
    assert client.get(job_page + "/file").status_code == 404  # not written yet
    with app.app_context():
        report = run_once(NOW)  # the scheduler's tick writes it
    assert report.exports == 1 and not report.errors
    done = client.get(job_page).get_data(as_text=True)
    assert "已完成" in done and 'value="100"' in done and "refresh" not in done
    download = client.get(job_page + "/file")
    data = download.data
    download.close()
    exported = [r[-1] for r in load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True)]
    page = client.get("/problems", query_string={"status": "unclosed"}).get_data(as_text=True)
    assert exported == _ledger_ids(page) and len(exported) == 5
    # Someone else's export does not exist for another user.
    client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
    login(client, city["inspector"])
    assert client.get(job_page).status_code == 404 and client.get(job_page + "/file").status_code == 404
