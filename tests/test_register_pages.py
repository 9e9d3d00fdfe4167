"""The office's register over HTTP: an estate's record edited (its company, management type,
size, committee) with its history; companies and responsible units with a checked credit
code; a notice issued once an estate has a unit; a 无物业 estate's notice reaching its street
office, who reports the fix as a company does; the issue action disabled with its reason."""

from __future__ import annotations

import io
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from server.domain.credit_code import make_credit_code
from server.domain.models import (
    Company,
    Estate,
    Finding,
    FindingStatus,
    ManagementType,
    Notice,
    Role,
    UnitKind,
)
from server.extensions import db
from tests.factories import jpeg_bytes
from tests.web_support import csrf_token, login, token_from

NOW = datetime(2026, 3, 2, 2, 0)
STREET_CODE = make_credit_code("11", "320505", "MB0000011")


@pytest.fixture
def register(app, make):
    """A district supervisor, an estate with no unit yet (无物业) with an open finding, and a
    property company on record."""
    app.config["CLOCK"] = lambda: NOW
    office = make.office()
    tree = make.region_tree(office)
    company = make.company(office, name="阳光物业服务有限公司")
    estate = make.estate(tree["community"], None, name="老城小区", management_type=ManagementType.FALLBACK)
    finding = make.finding(estate, description="楼道堆放旧家具")
    supervisor = make.user(office, Role.SUPERVISOR, region_id=tree["district"].id)
    inspector = make.user(office, Role.INSPECTOR, region_id=tree["street"].id)
    db.session.commit()
    return {"estate": str(estate.id), "finding": str(finding.id), "company": str(company.id),
            "supervisor": supervisor.username, "inspector": inspector.username, "office": office}


def _estate_form(token: str, **fields) -> dict:
    base = {"csrf_token": token, "management_type": "fallback", "company_id": "", "households": "360",
            "floor_area": "28000.5", "buildings": "6", "committee_status": "none", "address": "老城路1号"}
    return {**base, **fields}


def test_the_issue_action_is_disabled_with_its_reason_until_the_estate_has_a_unit(client, register):
    login(client, register["supervisor"])
    page = client.get(f"/estates/{register['estate']}").get_data(as_text=True)
    assert "disabled" in page and "指定负责整改的街道办事处或社区" in page


def test_an_estate_gets_a_company_and_a_notice_is_issued_for_it(client, register):
    login(client, register["supervisor"])
    path = f"/estates/{register['estate']}/edit"
    token = token_from(client, path)
    saved = client.post(path, data=_estate_form(token, management_type="professional",
                                                company_id=register["company"],
                                                committee_status="owners_committee"))
    assert saved.status_code == 302
    estate = db.session.get(Estate, uuid.UUID(register["estate"]))
    db.session.refresh(estate)
    assert estate.company.name == "阳光物业服务有限公司" and estate.households == 360
    history = client.get(path).get_data(as_text=True)
    assert "修改小区资料" in history and "专业物业服务" in history and "阳光物业服务有限公司" in history

    page = client.get(f"/estates/{register['estate']}").get_data(as_text=True)
    assert "指定负责整改" not in page
    reply = client.post(f"/estates/{register['estate']}/notices", data={
        "csrf_token": csrf_token(page), "finding_id": register["finding"], "day_kind": "calendar"})
    assert reply.status_code == 302 and "/notices/" in reply.headers["Location"]
    notice = db.session.scalar(sa.select(Notice))
    assert notice.company_id == estate.company_id


def test_estate_rules_are_checked_and_nothing_is_kept_on_a_refusal(client, register):
    login(client, register["supervisor"])
    path = f"/estates/{register['estate']}/edit"
    token = token_from(client, path)
    for fields, words in (({"company_id": register["company"]}, "整改责任单位应为"),
                          ({"households": "很多"}, "户数应为整数"), ({"floor_area": "-1"}, "建筑面积"),
                          ({"management_type": "none"}, "请选择管理类型")):
        reply = client.post(path, data=_estate_form(token, **fields))
        assert reply.status_code == 422 and words in reply.get_data(as_text=True), fields
    db.session.expire_all()
    estate = db.session.get(Estate, uuid.UUID(register["estate"]))
    assert estate.company_id is None and estate.households == 400


def test_a_company_record_checks_its_credit_code_and_keeps_its_history(client, register):
    login(client, register["supervisor"])
    token = token_from(client, "/companies/new")
    good = make_credit_code("91", "320505", "MA1ABC123")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    refused = client.post("/companies/new", data={"csrf_token": token, "name": "新城物业服务有限公司",
                                                  "kind": "property_company", "credit_code": bad})
    assert refused.status_code == 422 and "校验位错误" in refused.get_data(as_text=True)
    made = client.post("/companies/new", data={"csrf_token": token, "name": "新城物业服务有限公司",
                                               "kind": "property_company", "credit_code": good.lower(),
                                               "contact_person": "钱经理", "phone": "0512-66778899"})
    assert made.status_code == 302
    path = made.headers["Location"]
    edit = client.post(path, data={"csrf_token": token, "name": "新城物业服务有限公司",
                                   "kind": "property_company", "credit_code": good, "filed_at": "2024-03-01",
                                   "contact_person": "孙经理", "phone": "0512-66778899"})
    assert edit.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "修改单位" in page and "钱经理 → 孙经理" in page and good in page
    assert "新城物业服务有限公司" in client.get("/companies").get_data(as_text=True)


def test_a_fallback_estates_notice_reaches_its_street_office_who_reports_the_fix(client, register, make):
    office = register["office"]
    street_office = Company(office_id=office.id, name="湖东街道办事处", kind=UnitKind.STREET_OFFICE,
                            credit_code=STREET_CODE, contact_person="周主任")
    db.session.add(street_office)
    db.session.flush()
    unit_user = make.user(office, Role.COMPANY, company_id=street_office.id)
    db.session.commit()
    login(client, register["supervisor"])
    path = f"/estates/{register['estate']}/edit"
    saved = client.post(path, data=_estate_form(token_from(client, path), company_id=str(street_office.id)))
    assert saved.status_code == 302
    page = client.get(f"/estates/{register['estate']}").get_data(as_text=True)
    assert "街道办事处" in page and "湖东街道办事处" in page
    client.post(f"/estates/{register['estate']}/notices", data={
        "csrf_token": csrf_token(page), "finding_id": register["finding"], "day_kind": "calendar"})
    notice = db.session.scalar(sa.select(Notice))
    assert notice.company_id == street_office.id

    client.post("/logout", data={"csrf_token": csrf_token(page)})
    login(client, unit_user.username)
    listing = client.get("/company/notices").get_data(as_text=True)
    assert notice.label in listing
    report = f"/company/findings/{register['finding']}/report"
    reply = client.post(report, data={"csrf_token": token_from(client, report), "note": "街道已组织清理",
                                      "photos": (io.BytesIO(jpeg_bytes(seed=4)), "after.jpg")},
                        content_type="multipart/form-data")
    assert reply.status_code == 302
    finding = db.session.get(Finding, uuid.UUID(register["finding"]))
    db.session.refresh(finding)
    assert finding.status == FindingStatus.RECTIFIED_REPORTED
