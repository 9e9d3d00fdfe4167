"""The plan pages: draw from the form, re-draw to verify, confirm, publish; the public page shows
places and results but no person; `xuncha plan verify` re-draws from the shell."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa

from server.domain.complaints import record_complaint
from server.domain.models import InspectionPlan, Role
from server.extensions import db
from tests.web_support import login, token_from

NOW = datetime(2026, 11, 20, 2, 0)


@pytest.fixture
def city(app, make):
    app.config["CLOCK"] = lambda: NOW
    world = make.plans_world()
    company_user = make.user(
        world["office"],
        Role.COMPANY,
        company_id=world["companies"][0].id,
        display_name="物业联系人孙",
        phone="13322223333",
    )
    record_complaint(
        world["supervisor"],
        world["estates"][0],
        "phone",
        "小区门口车辆乱停",
        NOW,
        "投诉人周女士",
        "13144445555",
    )
    other_district = make.region(world["office"], world["tree"]["city"], name="别的区")
    far = make.user(world["office"], Role.SUPERVISOR, region_id=other_district.id)
    db.session.commit()
    people = [*world["inspectors"], world["supervisor"], company_user]
    return {
        "supervisor": world["supervisor"].username,
        "inspector": world["inspectors"][0].username,
        "company": company_user.username,
        "far": far.username,
        "district": world["tree"]["district"].code,
        "secrets": [p.display_name for p in people]
        + [p.phone for p in people]
        + [p.username for p in people]
        + ["投诉人周女士", "13144445555"],
    }


def draw(client, city, **extra) -> str:
    form = {
        "csrf_token": token_from(client, "/plans/new"),
        "title": "十一月双随机抽查",
        "estate_count": "4",
        "planned_for": "2026-11-25",
        "seed": "public-seed-42",
        "region_code": city["district"],
        **extra,
    }
    reply = client.post("/plans/new", data=form)
    assert reply.status_code == 302, reply.get_data(as_text=True)
    return reply.headers["Location"].rsplit("/", 1)[1]


def test_a_supervisor_draws_verifies_confirms_and_publishes(client, city):
    login(client, city["supervisor"])
    plan_id = draw(client, city)
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "public-seed-42" in page and page.count("抽查小区") >= 4 and "检查员" in page
    assert "重抽结果与记录一致" in client.get(f"/plans/{plan_id}?verify=1").get_data(as_text=True)
    token = token_from(client, f"/plans/{plan_id}")
    assert client.get(f"/public/plans/{plan_id}").status_code == 404  # a draft is not public
    client.post(f"/plans/{plan_id}/publish", data={"csrf_token": token})
    assert "确认后才能公开" in client.get(f"/plans/{plan_id}").get_data(as_text=True)
    client.post(f"/plans/{plan_id}/confirm", data={"csrf_token": token})
    client.post(f"/plans/{plan_id}/publish", data={"csrf_token": token})
    plan = db.session.get(InspectionPlan, uuid.UUID(plan_id))
    assert plan.published and all(e.inspection_id for e in plan.entries)
    assert client.post(f"/plans/{plan_id}/explode", data={"csrf_token": token}).status_code == 404


def test_bad_draw_input_is_a_clear_400(client, city):
    login(client, city["supervisor"])
    token = token_from(client, "/plans/new")
    for form, words in (
        ({"estate_count": "many"}, "数量或日期格式错误"),
        ({"estate_count": "99"}, "只有 12 个"),
        ({"title": ""}, "计划名称"),
        ({"planned_for": "tomorrow"}, "格式错误"),
    ):
        base = {"csrf_token": token, "title": "t", "estate_count": "2", "planned_for": "2026-11-25"}
        reply = client.post("/plans/new", data={**base, **form})
        assert reply.status_code == 400 and words in reply.get_data(as_text=True), form
    assert db.session.query(InspectionPlan).count() == 0


def test_the_public_page_shows_no_personal_data(client, city):
    login(client, city["supervisor"])
    plan_id = draw(client, city)
    token = token_from(client, f"/plans/{plan_id}")
    client.post(f"/plans/{plan_id}/confirm", data={"csrf_token": token})
    client.post(f"/plans/{plan_id}/publish", data={"csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    pages = [client.get("/public/plans"), client.get(f"/public/plans/{plan_id}")]
    assert all(p.status_code == 200 for p in pages)
    text = "".join(p.get_data(as_text=True) for p in pages)
    assert "十一月双随机抽查" in text and "public-seed-42" in text and "抽查小区" in text
    for secret in city["secrets"]:
        assert secret not in text, secret
    assert not re.search(r"1[3-9]\d{9}", text)  # no mobile number of anyone


def test_plan_pages_are_for_office_staff(client, city):
    for role, status in (("inspector", 403), ("company", 403)):
        login(client, city[role])
        assert client.get("/plans").status_code == status
        assert client.get("/plans/new").status_code == status
        client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})


def test_plan_verify_on_the_command_line(client, city, runner):
    login(client, city["supervisor"])
    plan_id = draw(client, city)
    result = runner.invoke(args=["plan", "verify", plan_id])
    assert result.exit_code == 0 and "重抽结果与记录一致" in result.output and "抽查小区" in result.output
    plan = db.session.get(InspectionPlan, uuid.UUID(plan_id))
    plan.seed = "someone-changed-it"
    db.session.commit()
    result = runner.invoke(args=["plan", "verify", plan_id])
    assert result.exit_code == 3 and "不一致" in result.output
    assert (
        "没有这个计划"
        in runner.invoke(args=["plan", "verify", "6f1c9b7e-0000-4000-8000-000000000000"]).output
    )


def test_a_star_band_of_a_period_that_is_no_period_is_refused(client, city):
    login(client, city["supervisor"])
    form = {
        "csrf_token": token_from(client, "/plans/new"),
        "title": "星级",
        "estate_count": "1",
        "planned_for": "2026-11-25",
        "star_period": "2026-13",
        "min_stars": "1",
        "max_stars": "2",
    }
    reply = client.post("/plans/new", data=form)
    assert reply.status_code == 400 and "2026-13" in reply.get_data(as_text=True)
    form["star_period"] = "2026-10"  # no rules published: no estate has stars, so none to draw
    reply = client.post("/plans/new", data=form)
    assert reply.status_code == 400 and "只有 0 个" in reply.get_data(as_text=True)


def test_another_districts_supervisor_does_not_see_the_plan(client, city):
    login(client, city["supervisor"])
    plan_id = draw(client, city)
    client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
    login(client, city["far"])
    assert plan_id not in client.get("/plans").get_data(as_text=True)
    assert client.get(f"/plans/{plan_id}").status_code == 404


def test_a_recusal_is_recorded_from_its_page_and_a_bad_one_is_refused(client, city):
    from server.domain.models import Estate, Recusal, User

    login(client, city["supervisor"])
    token = token_from(client, "/plans/recusals")
    inspector = db.session.scalar(sa.select(User).where(User.username == city["inspector"]))
    estate = db.session.scalars(sa.select(Estate).order_by(Estate.name)).first()
    form = {"csrf_token": token, "inspector_id": str(inspector.id), "estate_id": str(estate.id)}
    client.post("/plans/recusals", data={**form, "reason": ""})
    assert "请填写回避原因" in client.get("/plans/recusals").get_data(as_text=True)
    client.post("/plans/recusals", data={**form, "inspector_id": "nobody", "reason": "x"})
    assert "请选择检查人员" in client.get("/plans/recusals").get_data(as_text=True)
    client.post("/plans/recusals", data={**form, "reason": "配偶在该小区物业任职"})
    page = client.get("/plans/recusals").get_data(as_text=True)
    assert "已登记回避" in page and "配偶在该小区物业任职" in page and estate.name in page
    assert db.session.scalar(sa.select(sa.func.count(Recusal.id))) == 1
