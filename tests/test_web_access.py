"""Who sees what over HTTP: sessions, CSRF, roles, and one company never sees another's notice."""

from __future__ import annotations

import io
from datetime import datetime

import pytest

from server.domain.models import Role
from server.domain.rectification import issue_notice
from server.extensions import db
from tests.factories import PASSWORD
from tests.web_support import csrf_token, login, token_from

MONDAY = datetime(2026, 3, 2, 2, 0)


@pytest.fixture
def two_companies(app, make):
    office = make.office()
    tree = make.region_tree(office)
    other_district = make.region(office, tree["city"], name="别的区")
    supervisor = make.user(office, Role.SUPERVISOR, region_id=tree["district"].id)
    far_supervisor = make.user(office, Role.SUPERVISOR, region_id=other_district.id)
    out = {"supervisor": supervisor.username, "far_supervisor": far_supervisor.username}
    for key in ("ours", "theirs"):
        company = make.company(office)
        estate = make.estate(tree["community"], company)
        finding = make.finding(estate, description=f"{key}的问题")
        notice = issue_notice(estate, [finding], supervisor, now=MONDAY)
        user = make.user(office, Role.COMPANY, company_id=company.id)
        out[key] = {"user": user.username, "notice": str(notice.id), "finding": str(finding.id),
                    "estate": str(estate.id), "label": notice.label}
    db.session.commit()
    return out


def test_pages_need_a_login(client, two_companies):
    for path in ("/estates", "/inbox", "/company/notices", f"/notices/{two_companies['ours']['notice']}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_checks_the_password_and_logout_needs_the_token(client, two_companies):
    assert login(client, two_companies["ours"]["user"], "wrong password").status_code == 401
    assert client.get("/company/notices").status_code == 302
    response = login(client, two_companies["ours"]["user"])
    assert response.status_code == 302 and response.headers["Location"] == "/company/notices"
    assert client.post("/logout").status_code == 302  # no token: still logged in
    assert client.get("/company/notices").status_code == 200
    client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})
    assert client.get("/company/notices").status_code == 302


def test_login_refuses_a_forged_form(client, two_companies):
    response = client.post("/login", data={"username": two_companies["ours"]["user"], "password": "x"})
    assert response.status_code == 401
    assert client.get("/company/notices").status_code == 302


def test_a_company_never_sees_or_touches_another_companys_notice(client, two_companies):
    ours, theirs = two_companies["ours"], two_companies["theirs"]
    login(client, ours["user"])
    listing = client.get("/company/notices").get_data(as_text=True)
    assert ours["label"] in listing and theirs["notice"] not in listing
    assert client.get(f"/notices/{ours['notice']}").status_code == 200
    assert client.get(f"/notices/{theirs['notice']}").status_code == 404
    assert client.get(f"/notices/{theirs['notice']}/pdf").status_code == 404
    assert client.get(f"/company/findings/{theirs['finding']}/report").status_code == 404
    token = token_from(client, f"/company/findings/{ours['finding']}/report")
    response = client.post(f"/company/findings/{theirs['finding']}/report", data={
        "csrf_token": token, "note": "伪造", "photos": (io.BytesIO(b"x"), "a.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 404
    # Office pages are not for companies at all.
    assert client.get("/estates").status_code == 403
    assert client.get(f"/estates/{theirs['estate']}").status_code == 403
    response = client.post(f"/estates/{theirs['estate']}/notices", data={"csrf_token": token})
    assert response.status_code == 403


def test_supervisors_see_only_their_area(client, two_companies):
    login(client, two_companies["far_supervisor"])
    assert client.get(f"/estates/{two_companies['ours']['estate']}").status_code == 404
    assert client.get(f"/notices/{two_companies['ours']['notice']}").status_code == 404
    assert two_companies["ours"]["label"] not in client.get("/notices").get_data(as_text=True)


def test_issuing_needs_the_csrf_token(client, two_companies, make):
    login(client, two_companies["supervisor"])
    page = client.get(f"/estates/{two_companies['ours']['estate']}")
    assert page.status_code == 200 and "下发整改通知书" in page.get_data(as_text=True)
    response = client.post(f"/estates/{two_companies['ours']['estate']}/notices", data={"finding_id": "x"})
    assert response.status_code == 400
    csrf_token(page.get_data(as_text=True))


def test_password_guessing_is_slowed_down(app, client, two_companies):
    from tests.web_support import csrf_token

    app.config.update(PASSWORD_RATE_LIMIT_PER_ACCOUNT="5 per minute")
    statuses = []
    for attempt in range(8):
        page = client.get("/login").get_data(as_text=True)
        reply = client.post("/login", data={"username": two_companies["supervisor"],
                                            "password": f"guess{attempt}",
                                            "csrf_token": csrf_token(page)})
        statuses.append(reply.status_code)
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    assert "过于频繁" in reply.get_data(as_text=True)


# --- Accounts and the office's register (issue 13): role × page × expected status -----------

@pytest.fixture
def register_city(app):
    """The dashboard's small city plus an admin of its office."""
    import uuid

    from server.domain.models import Office
    from tests import factories
    from tests.dashboard_city import NOW, build_city

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        city = build_city()
        city["admin"] = factories.user(db.session.get(Office, uuid.UUID(city["office"])), Role.ADMIN).username
        city["estate1"] = city["estates"][0]
        db.session.commit()
    return city


ADMIN_ONLY = {"admin": 200, "supervisor": 403, "inspector": 403, "far": 403, "company": 403}
OFFICE_STAFF = {"admin": 200, "supervisor": 200, "inspector": 403, "far": 200, "company": 403}
REGISTER_PAGES = [
    ("/admin/users", ADMIN_ONLY),
    ("/admin/users?role=inspector&q=li", ADMIN_ONLY),
    ("/admin/users/new", ADMIN_ONLY),
    ("/admin/users/{inspector_id}", ADMIN_ONLY),
    ("/account/password", dict.fromkeys(ADMIN_ONLY, 200)),
    ("/companies", OFFICE_STAFF),
    ("/companies/new", OFFICE_STAFF),
    ("/companies/{sunny}", OFFICE_STAFF),
    ("/estates/{estate1}/edit", {**OFFICE_STAFF, "far": 404}),
    ("/no/such/page", dict.fromkeys(ADMIN_ONLY, 404)),
]


@pytest.mark.parametrize("path,expected", REGISTER_PAGES, ids=[p for p, _ in REGISTER_PAGES])
def test_register_page_status(client, register_city, path, expected):
    for role, status in expected.items():
        login(client, register_city[role])
        response = client.get(path.format(**register_city))
        assert response.status_code == status, (role, path, response.status_code)
        if status >= 400:
            assert "<title>" in response.get_data(as_text=True)  # the layout's Chinese page
        client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})


# --- Role × page × expected status (add rows for new pages) ----------------------------------

@pytest.fixture
def dashboard_city(app):
    from tests.dashboard_city import NOW, build_city

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        return build_city()


# Each page with what a district supervisor, an inspector of that district, a supervisor of
# another district (far) and a company user get: 404 when the record exists but is out of
# their area (as if it did not exist), 403 when the page is not for their role at all.
ROLE_PAGES = [
    ("/overview", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/problems", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/problems?status=unclosed&q=yghy", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/problems/export.xlsx", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/inspections", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/inspections/{inspection}", {"supervisor": 200, "inspector": 200, "far": 404, "company": 403}),
]
ROLE_PAGES += [  # notices list and an estate's printed history
    ("/notices?status=issued&overdue_only=1&q=yghy", {"supervisor": 200, "inspector": 200, "far": 200,
                                                      "company": 403}),
    ("/notices/export.xlsx", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/estates/{estates[0]}/pdf", {"supervisor": 200, "inspector": 200, "far": 404, "company": 403}),
    ("/companies?q=%E9%98%B3%E5%85%89&overdue_only=1", {"supervisor": 200, "inspector": 403, "far": 200,
                                                        "company": 403}),
    ("/companies/export.xlsx", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
]
ROLE_PAGES += [
    ("/estates", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
    ("/estates/export.xlsx", {"supervisor": 200, "inspector": 200, "far": 200, "company": 403}),
]
ROLE_PAGES += [  # bulletins (统计通报): office staff only; each sees their own area's figures
    ("/bulletins", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03/pdf", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03/xlsx", {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}),
    ("/bulletins/2026-03/rows/findings_found", {"supervisor": 200, "inspector": 403, "far": 200,
                                                "company": 403}),
]
_OFFICE_STAFF_PAGE = {"supervisor": 200, "inspector": 403, "far": 200, "company": 403}
ROLE_PAGES += [  # double-random plans and complaints (complainants' contacts): office staff only
    (path, _OFFICE_STAFF_PAGE) for path in (
        "/plans", "/plans/new", "/plans/recusals", "/complaints", "/complaints?overdue=1&q=x",
        "/complaints/new", "/complaints/import", "/complaints/import/template.xlsx")
] + [(path, dict.fromkeys(_OFFICE_STAFF_PAGE, 200)) for path in ("/public/plans",)]  # public, no login


@pytest.mark.parametrize("path,expected", ROLE_PAGES, ids=[p for p, _ in ROLE_PAGES])
def test_role_page_status(client, dashboard_city, path, expected):
    for role, status in expected.items():
        login(client, dashboard_city[role])
        response = client.get(path.format(**dashboard_city))
        assert response.status_code == status, (role, path, response.status_code)
        response.close()
        client.post("/logout", data={"csrf_token": token_from(client, "/inbox")})


def test_other_scopes_see_nothing_of_ours_on_the_dashboard(client, dashboard_city):
    login(client, dashboard_city["far"])
    overview = client.get("/overview").get_data(as_text=True)
    assert "阳光花园" not in overview and "逾期 30 天" not in overview
    ledger = client.get("/problems").get_data(as_text=True)
    ours = [fid for key, fid in dashboard_city["findings"].items() if key != "far"]
    assert dashboard_city["findings"]["far"] in ledger and not any(fid in ledger for fid in ours)
    token = token_from(client, "/problems")
    client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                        "finding_id": [dashboard_city["findings"]["open"]]})
    assert "不在您区域内" in client.get("/problems").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    for role in ("company", "inspector"):
        login(client, dashboard_city[role])
        token = token_from(client, "/inbox")
        reply = client.post("/problems/bulk", data={"csrf_token": token, "action": "issue_notice",
                                                    "finding_id": [dashboard_city["findings"]["open"]]})
        assert reply.status_code == 403, role
        client.post("/logout", data={"csrf_token": token})


# --- Every route × every role (issue 8) ---------------------------------------------------------
# One row per route and method of app.url_map, with the status each role gets: anonymous (anon),
# admin, the district supervisor, the district's inspector, another district's supervisor (far)
# and a company user. Placeholders without a record of that kind take an id that does not exist,
# so a role let through gets 404 (or 400 for a bad form) while a role kept out gets 403 first.
# POSTs carry a valid CSRF token and no other field. "ok" means let through: any status below
# 500 other than 401/403 and a redirect to the login page. A new route without a row fails
# test_every_route_has_a_row: add its row here (docs/HELPERS.md says so).
ROLES = ("anon", "admin", "supervisor", "inspector", "far", "company")
L = 302  # anonymous: sent to the login page
NONE = "00000000-0000-4000-8000-000000000000"
ROUTE_TABLE: dict[str, tuple] = {
    #                                          anon admin supervisor inspector far company
    "GET /": (L, 302, 302, 302, 302, 302),
    "GET /account/password": (L, 200, 200, 200, 200, 200),
    "GET /admin/users": (L, 200, 403, 403, 403, 403),
    "GET /admin/users/<user_id>": (L, 200, 403, 403, 403, 403),
    "GET /admin/users/new": (L, 200, 403, 403, 403, 403),
    "GET /api/v1/health": (200, 200, 200, 200, 200, 200),
    "GET /api/v1/inbox": (401, 200, 200, 200, 200, 401),
    "GET /api/v1/openapi.json": (200, 200, 200, 200, 200, 200),
    "GET /api/v1/photos/<sha256>": (401, 404, 404, 404, 404, 401),
    "GET /api/v1/photos/<sha256>/thumb": (401, 404, 404, 404, 404, 401),
    "GET /api/v1/photos/<sha256>/upload": (401, 200, 200, 200, 200, 401),
    "GET /api/v1/sync/bootstrap": (401, 200, 200, 200, 200, 401),
    "GET /api/v1/sync/pull": (401, 200, 200, 200, 200, 401),
    "GET /assessment": (L, 200, 200, 403, 200, 403),
    "GET /assessment/credit-records": (L, 200, 200, 403, 200, 403),
    "GET /assessment/red-black": (L, 200, 200, 403, 200, 403),
    "GET /assessment/rules": (L, 200, 200, 403, 200, 403),
    "GET /assessment/rules/<rule_set_id>.json": (L, 404, 404, 403, 404, 403),
    "GET /assessment/rules/template.json": (L, 200, 200, 403, 200, 403),
    "GET /assessment/stars": (L, 200, 200, 403, 200, 403),
    "GET /bulletins": (L, 200, 200, 403, 200, 403),
    "GET /bulletins/<key>": (L, 200, 200, 403, 200, 403),
    "GET /bulletins/<key>/pdf": (L, 200, 200, 403, 200, 403),
    "GET /bulletins/<key>/rows/<figure>": (L, 200, 200, 403, 200, 403),
    "GET /bulletins/<key>/xlsx": (L, 200, 200, 403, 200, 403),
    "GET /calendar": (L, 200, 200, 403, 200, 403),
    "GET /checklists": (L, 200, 200, 403, 200, 403),
    "GET /checklists/<template_id>": (L, 200, 200, 403, 200, 403),
    "GET /checklists/<template_id>/export.xlsx": (L, 200, 200, 403, 200, 403),
    "GET /checklists/template.xlsx": (L, 200, 200, 403, 200, 403),
    "GET /companies": (L, 200, 200, 403, 200, 403),
    "GET /companies/<company_id>": (L, 200, 200, 403, 200, 403),
    "GET /companies/export.xlsx": (L, 200, 200, 403, 200, 403),
    "GET /companies/new": (L, 200, 200, 403, 200, 403),
    "GET /company/findings/<finding_id>/report": (L, 403, 403, 403, 403, 404),
    "GET /company/notices": (L, 403, 403, 403, 403, 200),
    "GET /complaints": (L, 200, 200, 403, 200, 403),
    "GET /complaints/<complaint_id>": (L, 404, 404, 403, 404, 403),
    "GET /complaints/import": (L, 200, 200, 403, 200, 403),
    "GET /complaints/import/template.xlsx": (L, 200, 200, 403, 200, 403),
    "GET /complaints/new": (L, 200, 200, 403, 200, 403),
    "GET /devices": (L, 200, 200, 200, 200, 403),
    "GET /estates": (L, 200, 200, 200, 200, 403),
    "GET /estates/<estate_id>": (L, 200, 200, 200, 404, 403),
    "GET /estates/<estate_id>/pdf": (L, 200, 200, 200, 404, 403),
    "GET /estates/<estate_id>/edit": (L, 200, 200, 403, 404, 403),
    "GET /estates/export.xlsx": (L, 200, 200, 200, 200, 403),
    "GET /exports/<job_id>": (L, 404, 404, 404, 404, 403),
    "GET /exports/<job_id>/file": (L, 404, 404, 404, 404, 403),
    "GET /inbox": (L, 200, 200, 200, 200, 200),
    "GET /inspections": (L, 200, 200, 200, 200, 403),
    "GET /inspections/<inspection_id>": (L, 200, 200, 200, 404, 403),
    "GET /ledger": (L, 200, 200, 403, 200, 403),
    "GET /ledger/<token>": (L, 404, 404, 403, 404, 403),
    "GET /ledger/template.xlsx": (L, 200, 200, 403, 200, 403),
    "GET /login": (200, 200, 200, 200, 200, 200),
    "GET /notices": (L, 200, 200, 200, 200, 403),
    "GET /notices/<notice_id>": (L, 404, 404, 404, 404, 404),
    "GET /notices/<notice_id>/pdf": (L, 404, 404, 404, 404, 404),
    "GET /notices/export.xlsx": (L, 200, 200, 200, 200, 403),
    "GET /overview": (L, 200, 200, 200, 200, 403),
    "GET /photos/<sha256>": (L, 404, 404, 404, 404, 404),
    "GET /plans": (L, 200, 200, 403, 200, 403),
    "GET /plans/<plan_id>": (L, 404, 404, 403, 404, 403),
    "GET /plans/new": (L, 200, 200, 403, 200, 403),
    "GET /plans/recusals": (L, 200, 200, 403, 200, 403),
    "GET /problems": (L, 200, 200, 200, 200, 403),
    "GET /problems/export.xlsx": (L, 200, 200, 200, 200, 403),
    "GET /public/assessment": (200, 200, 200, 200, 200, 200),
    "GET /public/assessment/<office_id>/<period_key>": (404, 404, 404, 404, 404, 404),
    "GET /public/assessment/<office_id>/<period_key>/red-black.pdf": (404, 404, 404, 404, 404, 404),
    "GET /public/assessment/<office_id>/<period_key>/stars": (404, 404, 404, 404, 404, 404),
    "GET /public/plans": (200, 200, 200, 200, 200, 200),
    "GET /public/plans/<plan_id>": (404, 404, 404, 404, 404, 404),
    "GET /revisits": (L, 200, 200, 200, 200, 403),
    "GET /static/<path:filename>": (404, 404, 404, 404, 404, 404),
    "GET /static/web/<path:filename>": (200, 200, 200, 200, 200, 200),
    "GET /sync-conflicts": (L, 200, 200, 403, 200, 403),
    "POST /account/password": (L, "ok", "ok", "ok", "ok", "ok"),
    "POST /admin/users/<user_id>": (L, "ok", 403, 403, 403, 403),
    "POST /admin/users/<user_id>/deactivate": (L, "ok", 403, 403, 403, 403),
    "POST /admin/users/<user_id>/reactivate": (L, 200, 403, 403, 403, 403),
    "POST /admin/users/<user_id>/reset": (L, 200, 403, 403, 403, 403),
    "POST /admin/users/<user_id>/unlock": (L, "ok", 403, 403, 403, 403),
    "POST /admin/users/new": (L, "ok", 403, 403, 403, 403),
    "POST /api/v1/devices/pair": (400, "ok", "ok", "ok", "ok", "ok"),
    "POST /api/v1/inbox/read": (401, "ok", "ok", "ok", "ok", 401),
    "POST /api/v1/sync/push": (401, "ok", "ok", "ok", "ok", 401),
    "POST /assessment/credit-records": (L, "ok", 403, 403, 403, 403),
    "POST /assessment/credit-records/<record_id>/withdraw": (L, "ok", 403, 403, 403, 403),
    "POST /assessment/rules/draft": (L, "ok", 403, 403, 403, 403),
    "POST /assessment/rules/import": (L, "ok", 403, 403, 403, 403),
    "POST /assessment/rules/publish": (L, "ok", 403, 403, 403, 403),
    "POST /assessment/runs": (L, "ok", 403, 403, 403, 403),
    "POST /assessment/runs/withdraw": (L, "ok", 403, 403, 403, 403),
    "POST /calendar": (L, "ok", "ok", 403, "ok", 403),
    "POST /calendar/remove": (L, "ok", "ok", 403, "ok", 403),
    "POST /checklists/<template_id>/copy": (L, "ok", "ok", 403, "ok", 403),
    "POST /checklists/<template_id>/items/<item_id>": (L, 404, 404, 403, 404, 403),
    "POST /checklists/<template_id>/publish": (L, "ok", "ok", 403, "ok", 403),
    "POST /checklists/import": (L, "ok", "ok", 403, "ok", 403),
    "POST /companies/<company_id>": (L, "ok", "ok", 403, "ok", 403),
    "POST /companies/new": (L, "ok", "ok", 403, "ok", 403),
    "POST /company/findings/<finding_id>/report": (L, 403, 403, 403, 403, 404),
    "POST /complaints/<complaint_id>/<action>": (L, 404, 404, 403, 404, 403),
    "POST /complaints/import": (L, "ok", "ok", 403, "ok", 403),
    "POST /complaints/new": (L, "ok", "ok", 403, "ok", 403),
    "POST /devices/<device_id>/revoke": (L, "ok", "ok", "ok", 404, 403),
    "POST /devices/pairing-code": (L, 404, 404, 404, 404, 403),
    "POST /estates/<estate_id>/edit": (L, "ok", "ok", 403, 404, 403),
    "POST /estates/<estate_id>/notices": (L, "ok", "ok", 403, 404, 403),
    "POST /findings/<finding_id>/escalate": (L, "ok", "ok", 403, 404, 403),
    "POST /inbox/read": (L, "ok", "ok", "ok", "ok", "ok"),
    "POST /ledger/<token>/confirm": (L, 404, 404, 403, 404, 403),
    "POST /ledger/check": (L, "ok", "ok", 403, "ok", 403),
    "POST /login": (401, 401, 401, 401, 401, 401),
    "POST /notices/<notice_id>/cancel": (L, 404, 404, 403, 404, 403),
    "POST /plans/<plan_id>/<action>": (L, 404, 404, 403, 404, 403),
    "POST /plans/new": (L, "ok", "ok", 403, "ok", 403),
    "POST /plans/recusals": (L, "ok", "ok", 403, "ok", 403),
    "POST /problems/bulk": (L, "ok", "ok", 403, "ok", 403),
    "POST /revisits/<revisit_id>": (L, 404, 404, 404, 404, 403),
    "POST /revisits/<revisit_id>/assign": (L, 404, 404, 403, 404, 403),
    "PUT /api/v1/photos/<sha256>/upload": (401, "ok", "ok", "ok", "ok", 401),
}
# Tested elsewhere, on purpose: logging out ends the session the other rows need.
NOT_IN_TABLE = {"POST /logout": "test_login_checks_the_password_and_logout_needs_the_token"}


def _route_keys(app) -> set[str]:
    keys = set()
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            keys.add(f"{method} {rule.rule}")
    return keys


def test_every_route_has_a_row(app):
    missing = sorted(_route_keys(app) - set(ROUTE_TABLE) - set(NOT_IN_TABLE))
    stale = sorted(set(ROUTE_TABLE) - _route_keys(app))
    assert not missing, f"routes with no row in ROUTE_TABLE (add one per role): {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def _filled(rule: str, city: dict) -> str:
    values = {"user_id": city["inspector_id"], "template_id": city["checklist"], "company_id": city["sunny"],
              "finding_id": city["findings"]["open"], "estate_id": city["estates"][0],
              "inspection_id": city["inspection"], "device_id": city["device_id"], "key": "2026-03",
              "figure": "findings_found",
              "sha256": "0" * 64, "token": "no-such-upload", "action": "close", "filename": "web.css",
              "path:filename": "web.css", "office_id": city["office"], "period_key": "2026-03"}
    path = rule
    for name in [part.split(">")[0] for part in rule.split("<")[1:]]:
        path = path.replace(f"<{name}>", values.get(name, NONE))
    return path


def _let_through(response) -> bool:
    if response.status_code >= 500 or response.status_code in (401, 403):
        return False
    return not (response.status_code == 302 and "/login" in response.headers.get("Location", ""))


@pytest.fixture
def route_city(app):
    import uuid

    from server.domain.devices import create_pairing_code, pair_with_code
    from server.domain.models import Office, User
    from tests import factories
    from tests.dashboard_city import NOW, build_city

    app.config["CLOCK"] = lambda: NOW
    with app.app_context():
        city = build_city()
        city["admin"] = factories.user(db.session.get(Office, uuid.UUID(city["office"])), Role.ADMIN).username
        # A tablet of the district's inspector: the device rows test managing it across districts.
        inspector = db.session.get(User, uuid.UUID(city["inspector_id"]))
        device, _ = pair_with_code(create_pairing_code(inspector), "检查员的平板", 1)
        city["device_id"] = str(device.id)
        db.session.commit()
    return city


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_table_says(client, route_city, role):
    device_token = None
    if role != "anon":
        login(client, route_city[role])
        paired = client.post("/api/v1/devices/pair", headers={"X-Xuncha-Schema": "1"}, json={
            "username": route_city[role], "password": PASSWORD, "device_name": "平板"})
        device_token = paired.get_json()["token"] if paired.status_code == 201 else None
    token = token_from(client, "/login")
    wrong = []
    for key in sorted(ROUTE_TABLE):
        method, rule = key.split(" ", 1)
        expected = ROUTE_TABLE[key][ROLES.index(role)]
        path = _filled(rule, route_city)
        headers = {}
        if rule.startswith("/api/"):  # the tablet API: the role's own paired tablet (none for a company)
            headers = {"X-Xuncha-Schema": "1"}
            if device_token:
                headers["Authorization"] = f"Bearer {device_token}"
        if method == "GET":
            response = client.get(path, headers=headers)
        elif rule.startswith("/api/"):
            response = client.open(path, method=method, headers=headers, json={})
        else:
            response = client.open(path, method=method, data={"csrf_token": token})
        got = "ok" if expected == "ok" and _let_through(response) else response.status_code
        response.close()
        if got != expected:
            wrong.append(f"{key}: expected {expected}, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
