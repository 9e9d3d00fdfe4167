"""Tablets from the dashboard: pairing codes, who sees which tablet, revoking a lost one."""

import re

import pytest

from tests.factories import PASSWORD
from tests.small_city import build_small_city
from tests.sync_client import HEADERS, pair
from tests.web_support import login, token_from


@pytest.fixture
def city(app_ctx):
    return build_small_city()


def pairing_code_from(client, user_id) -> str:
    reply = client.post("/devices/pairing-code", data={
        "user_id": str(user_id), "csrf_token": token_from(client, "/devices")}, follow_redirects=True)
    assert reply.status_code == 200
    return re.search(r"配对码：(\d{8})", reply.get_data(as_text=True)).group(1)


def test_a_supervisor_pairs_a_tablet_for_an_inspector_with_a_code(client, city):
    login(client, "supervisor")
    code = pairing_code_from(client, city.inspector_a.id)
    paired = client.post("/api/v1/devices/pair", headers=HEADERS,
                         json={"pairing_code": code, "device_name": "东区一号平板"})
    assert paired.status_code == 201 and paired.get_json()["user"]["username"] == "insp_a"
    page = client.get("/devices").get_data(as_text=True)
    assert "东区一号平板" in page and "insp_a" in page


def test_an_inspector_sees_and_pairs_only_their_own_tablets(client, app, city):
    theirs = app.test_client()
    pair(theirs, "insp_a2", PASSWORD, "别人的平板")
    pair(client, "insp_a", PASSWORD, "我的平板")
    login(client, "insp_a")
    page = client.get("/devices").get_data(as_text=True)
    assert "我的平板" in page and "别人的平板" not in page
    token = token_from(client, "/devices")
    other = client.post("/devices/pairing-code", data={"user_id": str(city.inspector_a2.id),
                                                       "csrf_token": token})
    assert other.status_code == 403


def test_revoking_from_the_dashboard_tells_the_tablet_to_wipe(client, app, city):
    tablet = pair(app.test_client(), "insp_a", PASSWORD, "丢失的平板")
    login(client, "supervisor")
    reply = client.post(f"/devices/{tablet.device_id}/revoke",
                        data={"csrf_token": token_from(client, "/devices")}, follow_redirects=True)
    assert "已注销" in reply.get_data(as_text=True)
    pulled = app.test_client().get("/api/v1/sync/pull", headers=tablet.headers)
    assert pulled.status_code == 403 and pulled.get_json()["error"]["code"] == "device_revoked"


def test_revoking_needs_the_csrf_token_and_a_manager(client, app, city):
    tablet = pair(app.test_client(), "insp_a", PASSWORD)
    login(client, "insp_a2")
    mine = client.post(f"/devices/{tablet.device_id}/revoke",
                       data={"csrf_token": token_from(client, "/devices")})
    assert mine.status_code == 404
    login(client, "supervisor")
    assert client.post(f"/devices/{tablet.device_id}/revoke").status_code == 400


def test_company_users_have_no_tablet_pages(client, city):
    login(client, "company")
    assert client.get("/devices").status_code == 403
    assert client.get("/sync-conflicts").status_code == 403


def test_supervisors_see_the_edits_that_lost_a_merge(client, app, city):
    from datetime import timedelta

    from server.domain.models.base import utcnow

    one, two = pair(app.test_client(), "insp_a", PASSWORD), pair(app.test_client(), "insp_a2", PASSWORD)
    created = one.record("finding", {"estate_id": city.estate_a1.id, "category": "飞线充电",
                                     "severity": "major", "found_at": utcnow() - timedelta(hours=1),
                                     "description": "初始"})
    one.push([created])
    older = two.record("finding", {"description": "较早的描述"}, created["id"])
    one.clock.observe(older["clocks"]["description"])
    one.push([one.record("finding", {"description": "较新的描述"}, created["id"])])
    assert two.push([older])["results"][0]["status"] == "conflict"
    login(client, "supervisor")
    page = client.get("/sync-conflicts").get_data(as_text=True)
    assert "field_lost" in page and "description" in page
