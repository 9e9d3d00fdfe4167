"""The complaint pages: file one from the form, refuse bad input with words, list with filters,
search and the overdue mark, handle it on its page, and import a 12345 export."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import sqlalchemy as sa

from server.domain.complaints.hotline_import import HEADERS
from server.domain.models import Complaint, ComplaintStatus, Role
from server.extensions import db
from tests.web_support import login, token_from

NOW = datetime(2026, 11, 20, 2, 0)  # Friday 20 November, 10:00 in China


@pytest.fixture
def city(app, make):
    app.config["CLOCK"] = lambda: NOW
    world = make.plans_world(estates=3, inspectors=2)
    company_user = make.user(world["office"], Role.COMPANY, company_id=world["companies"][0].id)
    db.session.commit()
    return {
        "supervisor": world["supervisor"].username,
        "inspector": world["inspectors"][0].username,
        "company": company_user.username,
        "estates": [str(e.id) for e in world["estates"]],
        "names": [e.name for e in world["estates"]],
        "inspector_ids": [str(u.id) for u in world["inspectors"]],
    }


def file(client, city, **extra):
    form = {
        "csrf_token": token_from(client, "/complaints/new"),
        "channel": "hotline_12345",
        "reference": "T-100",
        "estate_id": city["estates"][0],
        "received_at": "2026-11-10T09:30",
        "text": "楼道堆放杂物无人清理",
        "complainant_name": "吴先生",
        "complainant_phone": "13912345678",
        **extra,
    }
    return client.post("/complaints/new", data=form)


def test_a_complaint_is_filed_handled_and_closed_on_its_pages(client, city):
    login(client, city["supervisor"])
    reply = file(client, city)
    assert reply.status_code == 302
    page_url = reply.headers["Location"]
    page = client.get(page_url).get_data(as_text=True)
    assert "吴先生" in page and "13912345678" in page and "2026-11-17" in page  # 5 working days
    assert "已超期" in page  # nobody replied by the 17th; it is the 20th
    listing = client.get("/complaints?overdue=1&q=杂物").get_data(as_text=True)
    assert "楼道堆放杂物" in listing and "超期" in listing
    assert "楼道堆放杂物" not in client.get("/complaints?channel=phone").get_data(as_text=True)
    token = token_from(client, page_url)
    client.post(
        f"{page_url}/verify",
        data={"csrf_token": token, "inspector_id": city["inspector_ids"][0], "planned_for": "2026-11-21"},
    )
    client.post(f"{page_url}/reply", data={"csrf_token": token, "reply": "已督促物业清理"})
    client.post(f"{page_url}/close", data={"csrf_token": token, "satisfaction": "satisfied"})
    complaint = db.session.scalar(sa.select(Complaint))
    db.session.refresh(complaint)
    assert complaint.status == ComplaintStatus.CLOSED and complaint.inspection is not None
    assert not complaint.replied_on_time
    page = client.get(page_url).get_data(as_text=True)
    assert "派发核查任务" in page and "答复（超期 late）" in page and "办结：满意" in page


def test_bad_complaint_input_is_a_clear_400_and_saves_nothing(client, city):
    login(client, city["supervisor"])
    for extra, words in (
        ({"text": ""}, "请填写投诉内容"),
        ({"complainant_phone": "电话"}, "联系电话格式"),
        ({"received_at": "soon"}, "受理时间"),
        ({"estate_id": "nope"}, "请选择小区"),
    ):
        reply = file(client, city, **extra)
        assert reply.status_code == 400 and words in reply.get_data(as_text=True), extra
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0


def test_a_hotline_export_is_imported_or_refused_whole(client, city):
    login(client, city["supervisor"])
    token = token_from(client, "/complaints/import")
    good = ",".join(["T-1", "2026-11-02 10:00", city["names"][0], "", "电梯停运", "", ""])
    bad = ",".join(["T-2", "2026-11-02 10:00", "没有这个小区", "", "噪音", "", ""])
    body = "\n".join([",".join(HEADERS), good, bad]).encode("utf-8-sig")
    reply = client.post(
        "/complaints/import",
        data={"csrf_token": token, "file": (io.BytesIO(body), "12345.csv")},
        content_type="multipart/form-data",
    )
    text = reply.get_data(as_text=True)
    assert reply.status_code == 400 and "未导入任何工单" in text and "没有这个小区" in text and ">3<" in text
    assert db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 0
    body = "\n".join([",".join(HEADERS), good]).encode("utf-8-sig")
    reply = client.post(
        "/complaints/import",
        data={"csrf_token": token, "file": (io.BytesIO(body), "12345.csv")},
        content_type="multipart/form-data",
    )
    assert reply.status_code == 302 and db.session.scalar(sa.select(sa.func.count(Complaint.id))) == 1
    template = client.get("/complaints/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    template.close()


def test_companies_and_inspectors_never_see_complaints(client, city):
    login(client, city["supervisor"])
    page_url = file(client, city).headers["Location"]
    client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
    for role in ("company", "inspector"):
        login(client, city[role])
        for path in ("/complaints", "/complaints/new", "/complaints/import", page_url):
            reply = client.get(path)
            assert reply.status_code == 403 and "吴先生" not in reply.get_data(as_text=True), (role, path)
        client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
