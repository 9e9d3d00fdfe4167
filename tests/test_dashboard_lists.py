"""The notices list (整改通知书): filters, search by estate, initials and number, keyset pages,
late notices marked, the XLSX export read back; another district's supervisor sees none."""

from __future__ import annotations

import io
import re
import uuid

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from server.domain.dashboard.notice_list import NoticeFilters, notice_page
from server.domain.models import Finding, Notice, User
from server.extensions import db
from tests.dashboard_city import NOW, ago, build_city
from tests.web_support import login, token_from


@pytest.fixture
def city(app, client):
    """The dashboard city with two notices issued in bulk (阳光花园's and 翠湖雅苑's); the
    翠湖雅苑 one is then three days past its deadline."""
    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        city = build_city()
    login(client, city["supervisor"])
    f = city["findings"]
    token = token_from(client, "/problems")
    client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                        "finding_id": [f["open"], f["lake"]]})
    with app.app_context():
        lake = db.session.get(Finding, uuid.UUID(f["lake"]))
        lake.due_at = ago(3)
        city["lake_notice"] = str(lake.notice_id)
        city["lake_label"] = lake.notice.label
        city["sunny_notice"] = str(db.session.get(Finding, uuid.UUID(f["open"])).notice_id)
        db.session.commit()
    return city


def _notice_ids(client, **args) -> list[str]:
    response = client.get("/notices", query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return [i for i in dict.fromkeys(
        part.split('"')[0] for part in html.split('href="/notices/')[1:]) if len(i) == 36]


def test_notices_are_filtered_searched_and_late_ones_marked(client, city):
    both = {city["lake_notice"], city["sunny_notice"]}
    assert set(_notice_ids(client)) == both
    assert _notice_ids(client, q="翠湖") == [city["lake_notice"]]
    assert _notice_ids(client, q="chy") == [city["lake_notice"]]  # 翠湖雅苑's initials
    assert _notice_ids(client, q=city["lake_label"]) == [city["lake_notice"]]
    assert _notice_ids(client, overdue_only="1") == [city["lake_notice"]]
    assert _notice_ids(client, company=city["sunny"]) == [city["sunny_notice"]]
    assert set(_notice_ids(client, status="issued")) == both
    assert _notice_ids(client, status="cancelled") == []
    html = client.get("/notices").get_data(as_text=True)
    assert "逾期 3 天" in html
    bad = client.get("/notices?status=nonsense")
    assert bad.status_code == 400 and "状态无法识别" in bad.get_data(as_text=True)


def test_notice_pages_follow_the_keyset(app, city):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == city["supervisor"]))
        first, cursor = notice_page(user, NoticeFilters(), NOW, size=1)
        second, end = notice_page(user, NoticeFilters(after=cursor), NOW, size=1)
        assert cursor and end is None
        walked = {str(first[0].notice.id), str(second[0].notice.id)}
        assert walked == {city["lake_notice"], city["sunny_notice"]}


def test_the_notices_export_matches_the_list(client, city, app):
    response = client.get("/notices/export.xlsx", query_string={"overdue_only": "1"})
    assert response.status_code == 200
    data = response.data
    response.close()  # the server's temporary file goes with the response
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "文号 Number" and len(rows) == 2
    with app.app_context():
        notice = db.session.get(Notice, uuid.UUID(city["lake_notice"]))
        assert rows[1][0] == notice.label and rows[1][1] == "翠湖雅苑"
    assert rows[1][7] == 3 and rows[1][8] == city["lake_notice"]


def test_another_districts_supervisor_sees_no_notice_of_ours(client, city):
    client.post("/logout")
    login(client, city["far"])
    assert _notice_ids(client) == []
    assert client.get(f"/notices/{city['lake_notice']}").status_code == 404


def test_the_notice_and_estate_pages_say_who_did_what(client, city):
    html = client.get(f"/notices/{city['lake_notice']}").get_data(as_text=True)
    assert "修改记录" in html and "下发整改通知" in html and "王督导" in html
    estate = client.get(f"/estates/{city['estates'][1]}").get_data(as_text=True)
    assert "修改记录" in estate


def test_revisits_come_earliest_deadline_first_searched_and_paged(client, city, app):
    from server.domain.dashboard.revisit_list import RevisitFilters, revisit_page
    from server.domain.models import Revisit, RevisitStatus

    f = city["findings"]
    with app.app_context():
        made = {}
        for key, due in (("future", ago(-3)), ("late", ago(10)), ("none", None)):
            finding = db.session.get(Finding, uuid.UUID(f["lake" if key == "late" else "overdue"]))
            revisit = Revisit(finding_id=finding.id, region_code=finding.region_code,
                              status=RevisitStatus.PENDING, due_at=due)
            db.session.add(revisit)
            db.session.flush()
            made[key] = str(revisit.id)
        db.session.commit()
        user = db.session.scalar(sa.select(User).where(User.username == city["supervisor"]))
        first, cursor = revisit_page(user, RevisitFilters(), NOW, size=2)
        rest, end = revisit_page(user, RevisitFilters(after=cursor), NOW, size=2)
        assert end is None
        assert [str(r.id) for r in first + rest] == [made["late"], made["future"], made["none"]]
    html = client.get("/revisits").get_data(as_text=True)
    assert html.index(made["late"]) < html.index(made["future"]) and "已逾期10天" in html
    assert made["late"] in client.get("/revisits?q=chy").get_data(as_text=True)  # 翠湖雅苑
    late_only = client.get("/revisits?late_only=1").get_data(as_text=True)
    assert made["late"] in late_only and made["future"] not in late_only


def test_companies_are_searched_filtered_counted_and_exported(client, city):
    def names(**args) -> list[str]:
        response = client.get("/companies", query_string=args)
        assert response.status_code == 200
        return re.findall(r'href="/companies/[0-9a-f-]{36}">([^<]+)</a>', response.get_data(as_text=True))

    assert names() == ["翠湖物业管理有限公司", "阳光物业服务有限公司"]
    assert names(q="阳光") == ["阳光物业服务有限公司"]
    assert names(overdue_only="1") == ["翠湖物业管理有限公司", "阳光物业服务有限公司"]  # lake is 3 days late
    assert client.get("/companies?kind=nonsense").status_code == 400
    response = client.get("/companies/export.xlsx", query_string={"q": "阳光"})
    data = response.data
    response.close()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    # 阳光: two estates of the office, one in this district; its open findings here are
    # open, overdue, escalated and notified; two of them (overdue, escalated) late.
    assert rows[0][0] == "名称 Name" and rows[1][0] == "阳光物业服务有限公司"
    assert rows[1][5:8] == (1, 4, 2)
