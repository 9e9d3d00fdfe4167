"""Who sees what over HTTP: sessions, CSRF, roles, and one company never sees another's notice."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from server.domain.assessment.rules import template_rules
from server.domain.models import (
    AssessmentRun,
    ChecklistItem,
    ChecklistTemplate,
    Company,
    Complaint,
    CreditRecord,
    Escalation,
    Estate,
    Finding,
    InspectionPlan,
    Notice,
    Office,
    Recusal,
    Revisit,
    Role,
    RuleSet,
    User,
    WorkCalendarDay,
)
from server.domain.periods import Period
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


# --- What each POST did (issue: the route table only says "let through") -------------------------
# For a POST route, a real form posted by every role: the roles let through changed the record
# they aimed at (each its own, so each change is seen), the others changed nothing (they aim at
# the first allowed role's record, before it is changed). Probes read the database afresh.

@dataclass(frozen=True)
class Effect:
    allowed: tuple[str, ...]
    path: Callable[[dict, str], str]
    form: Callable[[dict, str], dict]
    probe: Callable[[dict, str], object]
    setup: Callable[[dict], None] = lambda city: None


def _row(model, row_id: str):
    return db.session.get(model, uuid.UUID(row_id))


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# Which record of the city each role aims at when several roles may change one.
_FINDING_OF = {"admin": "lake", "supervisor": "open", "far": "far"}
_ESTATE_OF = {"admin": 1, "supervisor": 0}


def _setup_notices(city: dict) -> None:
    actor = db.session.scalar(sa.select(User).where(User.username == city["supervisor"]))
    for role, key in (("admin", "lake"), ("supervisor", "open")):
        finding = _row(Finding, city["findings"][key])
        city[f"notice_{role}"] = str(issue_notice(finding.estate, [finding], actor, now=MONDAY).id)


def _setup_estate_forms(city: dict) -> None:
    for index in (0, 1):
        estate = _row(Estate, city["estates"][index])
        city[f"estate_form_{index}"] = {
            "management_type": estate.management_type.value, "company_id": str(estate.company_id or ""),
            "households": str(estate.households), "floor_area": str(estate.floor_area),
            "buildings": str(estate.buildings), "committee_status": estate.committee_status.value}


def _setup_unit_form(city: dict) -> None:
    unit = _row(Company, city["sunny"])
    city["unit_form"] = {"name": unit.name, "kind": unit.kind.value, "credit_code": unit.credit_code,
                         "filed_at": unit.filed_at.isoformat() if unit.filed_at else "",
                         "contact_person": unit.contact_person, "phone": unit.phone}


def _admin(city: dict) -> User:
    return db.session.scalar(sa.select(User).where(User.username == city["admin"]))


def _setup_rules(city: dict, draft_only: bool = False) -> None:
    from server.domain.assessment import rules as assessment_rules

    office_id = uuid.UUID(city["office"])
    assessment_rules.save_draft(db.session, office_id, assessment_rules.template_rules())
    if not draft_only:
        assessment_rules.publish_draft(db.session, office_id, date(2026, 1, 1), _admin(city))


def _setup_published_run(city: dict) -> None:
    from server.domain.assessment import rules as assessment_rules
    from server.domain.assessment.runs import record_run

    _setup_rules(city)
    office_id = uuid.UUID(city["office"])
    period = Period.parse("2026-02")
    record_run(db.session, office_id, period, assessment_rules.rules_in_force(db.session, office_id, period),
               _admin(city), published=True)


def _setup_credit_record(city: dict) -> None:
    from server.domain.assessment.credit_records import add_record

    city["credit_record"] = str(add_record(db.session, uuid.UUID(city["office"]), _admin(city),
                                           company_id=city["sunny"], kind="penalty",
                                           occurred_on="2026-02-10", title="通报批评").id)


def _setup_calendar(city: dict) -> None:
    from server.domain.rectification.deadlines import set_calendar_day

    office = db.session.get(Office, uuid.UUID(city["office"]))
    set_calendar_day(office, date(2026, 5, _DAY["admin"]), False, _admin(city), name="休息日")


def _inspector(city: dict) -> User:
    return _row(User, city["inspector_id"])


def _setup_locked_inspector(city: dict) -> None:
    _inspector(city).locked_until = datetime(2099, 1, 1)
    _inspector(city).failed_logins = 9


def _setup_inactive_inspector(city: dict) -> None:
    _inspector(city).active = False


NEW_PASSWORD = "another long passphrase 2026"
_OWN_ESTATE = {"admin": 1, "supervisor": 0, "far": 2}  # an estate in each office user's own area


def _setup_complaints(city: dict) -> None:
    from server.domain.complaints import record_complaint

    for role, index in _OWN_ESTATE.items():
        actor = db.session.scalar(sa.select(User).where(User.username == city[role]))
        complaint = record_complaint(actor, _row(Estate, city["estates"][index]), "phone",
                                     f"{role}受理的投诉", datetime(2026, 3, 16, 2))
        city[f"complaint_{role}"] = str(complaint.id)


_ADMIN, _STAFF, _EVERY_STAFF = ("admin",), ("admin", "supervisor"), ("admin", "supervisor", "far")
_DAY = {"admin": 11}  # 11 May 2026: the calendar exception the calendar rows add or remove


def _credit_code(role: str) -> str:
    from server.domain.credit_code import make_credit_code

    return make_credit_code("91", "320505", f"MA{ROLES.index(role) + 1000:07d}")


EFFECTS: dict[str, Effect] = {
    "POST /estates/<estate_id>/notices": Effect(
        _STAFF, lambda c, r: f"/estates/{_row(Finding, c['findings'][_FINDING_OF[r]]).estate_id}/notices",
        lambda c, r: {"finding_id": c["findings"][_FINDING_OF[r]]},
        lambda c, r: str(_row(Finding, c["findings"][_FINDING_OF[r]]).notice_id)),
    "POST /problems/bulk": Effect(
        _EVERY_STAFF, lambda c, r: "/problems/bulk",
        lambda c, r: {"action": "issue_notice", "finding_id": c["findings"][_FINDING_OF[r]]},
        lambda c, r: str(_row(Finding, c["findings"][_FINDING_OF[r]]).notice_id)),
    "POST /findings/<finding_id>/escalate": Effect(
        _STAFF, lambda c, r: f"/findings/{c['findings']['overdue']}/escalate",
        lambda c, r: {"note": f"{r}：逾期仍未整改", "kind": "urge"},
        lambda c, r: _count(Escalation, Escalation.finding_id == uuid.UUID(c["findings"]["overdue"]))),
    "POST /notices/<notice_id>/cancel": Effect(
        _STAFF, lambda c, r: f"/notices/{c[f'notice_{r}']}/cancel",
        lambda c, r: {"reason": "误发，撤销重发"},
        lambda c, r: _row(Notice, c[f"notice_{r}"]).status.value, _setup_notices),
    "POST /estates/<estate_id>/edit": Effect(
        _STAFF, lambda c, r: f"/estates/{c['estates'][_ESTATE_OF[r]]}/edit",
        lambda c, r: {**c[f"estate_form_{_ESTATE_OF[r]}"], "address": f"{r}改过的地址"},
        lambda c, r: _row(Estate, c["estates"][_ESTATE_OF[r]]).address, _setup_estate_forms),
    "POST /companies/<company_id>": Effect(
        _EVERY_STAFF, lambda c, r: f"/companies/{c['sunny']}",
        lambda c, r: {**c["unit_form"], "address": f"{r}改过的地址"},
        lambda c, r: _row(Company, c["sunny"]).address, _setup_unit_form),
    "POST /companies/new": Effect(
        _EVERY_STAFF, lambda c, r: "/companies/new",
        lambda c, r: {"name": f"{r}新建物业服务有限公司", "kind": "property_company",
                      "credit_code": _credit_code(r), "filed_at": "2024-03-01"},
        lambda c, r: _count(Company, Company.name == f"{r}新建物业服务有限公司")),
    "POST /calendar": Effect(  # the work calendar is the whole office's: office-wide staff only
        _ADMIN, lambda c, r: "/calendar",
        lambda c, r: {"day": date(2026, 5, _DAY[r]).isoformat(), "kind": "workday", "name": "调休"},
        lambda c, r: _count(WorkCalendarDay, WorkCalendarDay.day == date(2026, 5, _DAY[r]))),
    "POST /calendar/remove": Effect(
        _ADMIN, lambda c, r: "/calendar/remove",
        lambda c, r: {"day": date(2026, 5, _DAY[r]).isoformat()},
        lambda c, r: _count(WorkCalendarDay, WorkCalendarDay.day == date(2026, 5, _DAY[r])), _setup_calendar),
    "POST /assessment/credit-records": Effect(
        _ADMIN, lambda c, r: "/assessment/credit-records",
        lambda c, r: {"company_id": c["sunny"], "kind": "commendation", "occurred_on": "2026-02-20",
                      "title": "垃圾分类示范"},
        lambda c, r: _count(CreditRecord, CreditRecord.title == "垃圾分类示范")),
    "POST /assessment/credit-records/<record_id>/withdraw": Effect(
        _ADMIN, lambda c, r: f"/assessment/credit-records/{c['credit_record']}/withdraw", lambda c, r: {},
        lambda c, r: _row(CreditRecord, c["credit_record"]).deleted_at is None, _setup_credit_record),
    "POST /assessment/rules/draft": Effect(
        _ADMIN, lambda c, r: "/assessment/rules/draft",
        lambda c, r: {"rules": json.dumps(template_rules()), "note": "草稿"},
        lambda c, r: _count(RuleSet, RuleSet.status == "draft")),
    "POST /assessment/rules/publish": Effect(
        _ADMIN, lambda c, r: "/assessment/rules/publish", lambda c, r: {"effective_from": "2026-01-01"},
        lambda c, r: _count(RuleSet, RuleSet.status == "published"), lambda c: _setup_rules(c, True)),
    "POST /assessment/runs": Effect(
        _ADMIN, lambda c, r: "/assessment/runs", lambda c, r: {"period": "2026-02", "back": "lists"},
        lambda c, r: _count(AssessmentRun, AssessmentRun.period_key == "2026-02"), _setup_rules),
    "POST /assessment/runs/withdraw": Effect(
        _ADMIN, lambda c, r: "/assessment/runs/withdraw", lambda c, r: {"period": "2026-02"},
        lambda c, r: _count(AssessmentRun, AssessmentRun.published.is_(True)), _setup_published_run),
    "POST /admin/users/<user_id>": Effect(
        _ADMIN, lambda c, r: f"/admin/users/{c['inspector_id']}",
        lambda c, r: {"display_name": "改名的检查员", "role": "inspector",
                      "region_id": str(_inspector(c).region_id or "")},
        lambda c, r: _inspector(c).display_name),
    "POST /admin/users/<user_id>/deactivate": Effect(
        _ADMIN, lambda c, r: f"/admin/users/{c['inspector_id']}/deactivate", lambda c, r: {},
        lambda c, r: _inspector(c).active),
    "POST /admin/users/<user_id>/reactivate": Effect(
        _ADMIN, lambda c, r: f"/admin/users/{c['inspector_id']}/reactivate", lambda c, r: {},
        lambda c, r: _inspector(c).active, _setup_inactive_inspector),
    "POST /admin/users/<user_id>/reset": Effect(
        _ADMIN, lambda c, r: f"/admin/users/{c['inspector_id']}/reset", lambda c, r: {},
        lambda c, r: _inspector(c).password_hash),
    "POST /admin/users/<user_id>/unlock": Effect(
        _ADMIN, lambda c, r: f"/admin/users/{c['inspector_id']}/unlock", lambda c, r: {},
        lambda c, r: _inspector(c).locked_until is None, _setup_locked_inspector),
    "POST /admin/users/new": Effect(
        _ADMIN, lambda c, r: "/admin/users/new",
        lambda c, r: {"username": "new_inspector", "display_name": "新检查员", "role": "inspector",
                      "region_id": str(_inspector(c).region_id or "")},
        lambda c, r: _count(User, User.username == "new_inspector")),
    "POST /account/password": Effect(
        ("admin", "supervisor", "inspector", "far", "company"), lambda c, r: "/account/password",
        lambda c, r: {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
        lambda c, r: db.session.scalar(sa.select(User.password_hash).where(User.username == c[r]))),
}
EFFECTS.update({
    "POST /complaints/new": Effect(
        _EVERY_STAFF, lambda c, r: "/complaints/new",
        lambda c, r: {"estate_id": c["estates"][_OWN_ESTATE[r]], "received_at": "2026-03-17T09:30",
                      "channel": "hotline_12345", "text": f"{r}登记：楼道堆放杂物",
                      "complainant_name": "李女士", "complainant_phone": "13900000000"},
        lambda c, r: _count(Complaint, Complaint.text == f"{r}登记：楼道堆放杂物")),
    "POST /complaints/<complaint_id>/<action>": Effect(
        _EVERY_STAFF, lambda c, r: f"/complaints/{c[f'complaint_{r}']}/reply",
        lambda c, r: {"reply": "已约谈物业，杂物已清理"},
        lambda c, r: _row(Complaint, c[f"complaint_{r}"]).replied_at is not None, _setup_complaints),
})


def _setup_templates(city: dict, published: bool) -> None:
    from tests import factories

    office = db.session.get(Office, uuid.UUID(city["office"]))
    for role in _EVERY_STAFF:
        city[f"template_{role}"] = str(factories.template(office, sections=1, items_per_section=2,
                                                          published=published, name=f"{role}的检查表").id)


def _workbook(role: str) -> dict:
    from tests.factories import checklist_rows, checklist_xlsx

    return {"file": (io.BytesIO(checklist_xlsx(checklist_rows(2, 6))), f"{role}.xlsx"),
            "name": f"{role}导入的检查表"}


EFFECTS.update({
    "POST /checklists/import": Effect(
        _EVERY_STAFF, lambda c, r: "/checklists/import", lambda c, r: _workbook(r),
        lambda c, r: _count(ChecklistTemplate, ChecklistTemplate.name == f"{r}导入的检查表")),
    "POST /checklists/<template_id>/copy": Effect(
        _EVERY_STAFF, lambda c, r: f"/checklists/{c[f'template_{r}']}/copy", lambda c, r: {},
        lambda c, r: _count(ChecklistTemplate, ChecklistTemplate.name == f"{r}的检查表"),
        lambda c: _setup_templates(c, published=True)),
    "POST /checklists/<template_id>/publish": Effect(
        _EVERY_STAFF, lambda c, r: f"/checklists/{c[f'template_{r}']}/publish",
        lambda c, r: {"confirm": "yes"},
        lambda c, r: _row(ChecklistTemplate, c[f"template_{r}"]).status.value,
        lambda c: _setup_templates(c, published=False)),
    "POST /assessment/rules/import": Effect(
        _ADMIN, lambda c, r: "/assessment/rules/import",
        lambda c, r: {"file": (io.BytesIO(json.dumps(template_rules()).encode()), "rules.json")},
        lambda c, r: _count(RuleSet, RuleSet.status == "draft")),
    "POST /plans/recusals": Effect(
        _EVERY_STAFF, lambda c, r: "/plans/recusals",
        lambda c, r: {"inspector_id": c["inspector_id"], "estate_id": c["estates"][0],
                      "reason": f"{r}：亲属关系"},
        lambda c, r: _count(Recusal, Recusal.reason == f"{r}：亲属关系")),
})


def _setup_revisits(city: dict) -> None:
    """The notices' revisits (回头看), and a second inspector of the district to hand them to."""
    from server.domain.rectification.revisits import ensure_revisit
    from tests import factories

    _setup_notices(city)
    for role, key in (("admin", "lake"), ("supervisor", "open"), ("inspector", "notified")):
        revisit = ensure_revisit(_row(Finding, city["findings"][key]), now=MONDAY, trigger="reported")
        city[f"revisit_{role}"] = str(revisit.id)
    office = db.session.get(Office, uuid.UUID(city["office"]))  # made after: the revisits are not theirs
    city["other_inspector"] = str(factories.user(office, Role.INSPECTOR,
                                                 region_id=_inspector(city).region_id).id)


EFFECTS["POST /revisits/<revisit_id>/assign"] = Effect(
    _STAFF, lambda c, r: f"/revisits/{c[f'revisit_{r}']}/assign",
    lambda c, r: {"inspector_id": c["other_inspector"]},
    lambda c, r: str(_row(Revisit, c[f"revisit_{r}"]).inspector_id), _setup_revisits)
_ESTATE_NAME = {"admin": "翠湖雅苑", "supervisor": "阳光花园", "far": "远方小区"}  # as _OWN_ESTATE


def _hotline_file(role: str) -> dict:
    rows = ["工单编号,受理时间,小区名称,诉求内容",
            f"T-{role},2026-03-17 09:30,{_ESTATE_NAME[role]},楼道堆放杂物"]
    return {"file": (io.BytesIO(("\n".join(rows) + "\n").encode("utf-8-sig")), f"{role}.csv")}


EFFECTS["POST /complaints/import"] = Effect(
    _EVERY_STAFF, lambda c, r: "/complaints/import", lambda c, r: _hotline_file(r),
    lambda c, r: _count(Complaint, Complaint.reference == f"T-{r}"))
def _revisit_result(role: str) -> dict:
    from tests.factories import jpeg_bytes

    return {"result": "fixed", "note": f"{role}复查：杂物已清理", "confirm": "yes",
            "photos": (io.BytesIO(jpeg_bytes(seed=ROLES.index(role))), f"{role}.jpg")}


EFFECTS["POST /revisits/<revisit_id>"] = Effect(
    ("admin", "supervisor", "inspector"), lambda c, r: f"/revisits/{c[f'revisit_{r}']}",
    lambda c, r: _revisit_result(r), lambda c, r: _row(Revisit, c[f"revisit_{r}"]).status.value,
    _setup_revisits)
def _setup_inspector_pairs(city: dict) -> None:
    """Two more inspectors in our district and two in the far one: a draw needs pairs to pick."""
    from tests import factories

    office = db.session.get(Office, uuid.UUID(city["office"]))
    far_region = db.session.scalar(sa.select(User.region_id).where(User.username == city["far"]))
    for region_id in (_inspector(city).region_id, far_region):
        for _ in range(2):
            factories.user(office, Role.INSPECTOR, region_id=region_id)


def _setup_plans(city: dict) -> None:
    from server.domain.random_plans.plans import draw_new_plan
    from server.domain.random_plans.pool import PoolFilters

    _setup_inspector_pairs(city)
    for role in _EVERY_STAFF:
        actor = db.session.scalar(sa.select(User).where(User.username == city[role]))
        city[f"plan_{role}"] = str(draw_new_plan(actor, f"{role}的抽查", 1, date(2026, 3, 25), PoolFilters(),
                                                 seed=f"seed-{role}").id)


EFFECTS.update({
    "POST /plans/new": Effect(
        _EVERY_STAFF, lambda c, r: "/plans/new",
        lambda c, r: {"title": f"{r}抽取的计划", "estate_count": "1", "planned_for": "2026-03-25",
                      "seed": f"seed-{r}"},
        lambda c, r: _count(InspectionPlan, InspectionPlan.title == f"{r}抽取的计划"),
        _setup_inspector_pairs),
    "POST /plans/<plan_id>/<action>": Effect(
        _EVERY_STAFF, lambda c, r: f"/plans/{c[f'plan_{r}']}/cancel", lambda c, r: {},
        lambda c, r: _row(InspectionPlan, c[f"plan_{r}"]).status.value, _setup_plans),
})


def _setup_draft_items(city: dict) -> None:
    _setup_templates(city, published=False)
    for role in _EVERY_STAFF:
        item = _row(ChecklistTemplate, city[f"template_{role}"]).sections[0].items[0]
        city[f"item_{role}"] = str(item.id)


def _item_form(city: dict, role: str) -> dict:
    from server.domain.checklist_standard.columns import SEVERITY_LABELS

    item = _row(ChecklistItem, city[f"item_{role}"])
    return {"code": item.code, "text": f"{role}改写：消防通道保持畅通", "category": item.category,
            "points": str(item.points), "severity": SEVERITY_LABELS[item.default_severity],
            "days": str(item.rectification_days), "photo": "是"}


EFFECTS["POST /checklists/<template_id>/items/<item_id>"] = Effect(
    _EVERY_STAFF, lambda c, r: f"/checklists/{c[f'template_{r}']}/items/{c[f'item_{r}']}", _item_form,
    lambda c, r: _row(ChecklistItem, c[f"item_{r}"]).text, _setup_draft_items)


_LEDGER_CODE = {"admin": "MB", "supervisor": "MC", "far": "MD"}  # distinct companies per role's file


def _ledger_bytes(city: dict, role: str) -> bytes:
    from tests.factories import ledger_rows, ledger_xlsx

    community = _row(Estate, city["estates"][_OWN_ESTATE[role]]).region
    return ledger_xlsx(ledger_rows([community], 3, code_body=_LEDGER_CODE[role]))


def _estates_in_community(city: dict, role: str) -> int:
    return _count(Estate, Estate.region_id == _row(Estate, city["estates"][_OWN_ESTATE[role]]).region_id)


def _kept_uploads(city: dict, role: str) -> int:
    from server.web.ledger import upload_root

    user_id = db.session.scalar(sa.select(User.id).where(User.username == city[role]))
    return len(list((upload_root() / user_id.hex).glob("*.upload")))


def _setup_kept_ledgers(city: dict) -> None:
    from server.web.ledger import keep_upload
    from tests.dashboard_city import NOW  # the route city's clock: a kept upload lasts a day

    for role in _EVERY_STAFF:
        user = db.session.scalar(sa.select(User).where(User.username == city[role]))
        city[f"ledger_{role}"] = keep_upload(user, _ledger_bytes(city, role), "台账.xlsx", NOW).token


EFFECTS.update({
    "POST /ledger/check": Effect(  # nothing is written: the checked file is kept for the confirm
        _EVERY_STAFF, lambda c, r: "/ledger/check",
        lambda c, r: {"file": (io.BytesIO(_ledger_bytes(c, r)), "台账.xlsx")}, _kept_uploads),
    "POST /ledger/<token>/confirm": Effect(
        _EVERY_STAFF, lambda c, r: f"/ledger/{c[f'ledger_{r}']}/confirm", lambda c, r: {},
        _estates_in_community, _setup_kept_ledgers),
})


# POST routes whose effect is checked elsewhere, or not yet here, and why.
EFFECTS_ELSEWHERE = {
    "POST /login": "test_login_checks_the_password_and_logout_needs_the_token (no record changes)",
    "POST /api/v1/devices/pair": "tests/test_security_devices.py, tests/test_device_commands.py",
    "POST /api/v1/inbox/read": "tests/test_tablet_today.py, tests/test_protocol_doc.py (the tablet API)",
    "POST /api/v1/sync/push": "tests/test_sync_push.py (per record, per role and scope)",
    "PUT /api/v1/photos/<sha256>/upload": "tests/test_photo_upload.py",
    "POST /company/findings/<finding_id>/report": "test_a_company_never_sees_or_touches_another_companys_"
                                                  "notice; tests/test_rectification_loop.py",
    "POST /devices/<device_id>/revoke": "tests/test_web_devices.py, tests/test_security_devices.py",
    "POST /devices/pairing-code": "tests/test_web_devices.py",
    "POST /inbox/read": "tests/test_security_scoping.py",
}
# Not yet covered by a real form here: none at the moment (a new POST route goes in EFFECTS).
EFFECTS_NOT_YET: set[str] = set()


def test_every_post_route_is_accounted_for():
    posts = {key for key in ROUTE_TABLE if not key.startswith("GET ")} | {"POST /logout"}
    listed = set(EFFECTS) | set(EFFECTS_ELSEWHERE) | EFFECTS_NOT_YET | set(NOT_IN_TABLE)
    assert posts == listed, (sorted(posts - listed), sorted(listed - posts))
    for key, effect in EFFECTS.items():  # the roles allowed here are those the route table lets in
        for role in effect.allowed:
            assert ROUTE_TABLE[key][ROLES.index(role)] not in (L, 401, 403), (key, role)


@pytest.mark.parametrize("key", sorted(EFFECTS))
def test_a_post_changes_its_record_for_the_roles_let_through_and_nothing_for_the_others(
        app, client, route_city, key):
    effect = EFFECTS[key]
    with app.app_context():
        effect.setup(route_city)
        db.session.commit()

    def probe(role: str):
        with app.app_context():
            return effect.probe(route_city, role)

    def request_of(role: str) -> tuple[str, dict]:
        with app.app_context():
            return effect.path(route_city, role), effect.form(route_city, role)

    refused = [r for r in ROLES if r not in effect.allowed]
    for role in refused + list(effect.allowed):
        aims_at = role if role in effect.allowed else effect.allowed[0]
        if role != "anon":
            login(client, route_city[role])
        token = token_from(client, "/login")
        path, form = request_of(aims_at)
        before = probe(aims_at)
        client.post(path, data={"csrf_token": token, **form}).close()
        after = probe(aims_at)
        if role in effect.allowed:
            assert after != before, (key, role, "let through but nothing changed", before)
        else:
            assert after == before, (key, role, "refused but the record changed", before, after)
        if role != "anon":
            client.post("/logout", data={"csrf_token": token_from(client, "/login")}).close()
